import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../api/index.js';
import type { KubeObject } from '../../api/types.js';
import { createMemoryStore } from '../../storage/index.js';
import { StatusError } from '../errors.js';
import { deleteObject } from '../registry/deletion.js';
import { Registry } from '../registry/engine.js';
import { kubernetesServiceIp, ServiceAddressAllocator } from './service-addresses.js';

const find = (plural: string) => {
  const found = resources.find((r) => r.plural === plural && r.group === '');
  if (!found) throw new Error(plural);
  return found;
};
const services = find('services');
const namespaces = find('namespaces');
const configMaps = find('configmaps');

async function registry(): Promise<{ registry: Registry; allocator: ServiceAddressAllocator }> {
  const allocator = new ServiceAddressAllocator();
  const r = new Registry({
    store: createMemoryStore(),
    resources,
    now: () => new Date('2026-01-01T00:00:00Z'),
    admit: (registry, definition, object, old) => allocator.admit(registry, definition, object, old),
  });
  await r.create(namespaces, undefined, { metadata: { name: 'default' } });
  return { registry: r, allocator };
}

interface ServicePort { port: number; nodePort?: number; protocol?: string; name?: string }
interface ServiceSpec { type?: string; clusterIP?: string; clusterIPs?: string[]; ports?: ServicePort[]; externalName?: string }
const specOf = (object: KubeObject): ServiceSpec => object.spec as ServiceSpec;

function service(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80, protocol: 'TCP' }], ...spec } };
}

async function createService(r: Registry, name: string, spec: Record<string, unknown> = {}, namespace = 'default'): Promise<KubeObject> {
  return (await r.create(services, namespace, service(name, spec))).object;
}

function ipNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function assertInRange(ip: string | undefined): void {
  assert.ok(ip, 'a clusterIP is set');
  assert.match(ip, /^10\.43\.\d{1,3}\.\d{1,3}$/);
  const n = ipNumber(ip);
  assert.ok(n > ipNumber('10.43.0.1') && n < ipNumber('10.43.255.255'), `${ip} is inside 10.43.0.0/16, not network, broadcast or the kubernetes Service`);
}

const isInvalid = (pattern: RegExp) => (error: unknown) =>
  error instanceof StatusError && error.code === 422 && error.reason === 'Invalid' && pattern.test(error.message);

describe('ServiceAddressAllocator', () => {
  it('gives each ClusterIP Service a unique address in 10.43.0.0/16, never 10.43.0.1', async () => {
    const { registry: r } = await registry();
    const ips = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const spec = specOf(await createService(r, `svc-${i}`));
      assertInRange(spec.clusterIP);
      assert.notEqual(spec.clusterIP, kubernetesServiceIp);
      assert.deepEqual(spec.clusterIPs, [spec.clusterIP]);
      ips.add(spec.clusterIP!);
    }
    assert.equal(ips.size, 10);
  });

  it('the stored object carries the allocated address', async () => {
    const { registry: r } = await registry();
    const created = await createService(r, 'stored');
    const read = await r.get(services, 'default', 'stored');
    assert.equal(specOf(read).clusterIP, specOf(created).clusterIP);
  });

  it('the kubernetes Service in default may take 10.43.0.1; others may not', async () => {
    const { registry: r } = await registry();
    const kube = await createService(r, 'kubernetes', { clusterIP: kubernetesServiceIp, selector: undefined });
    assert.equal(specOf(kube).clusterIP, kubernetesServiceIp);
    assert.deepEqual(specOf(kube).clusterIPs, [kubernetesServiceIp]);
    await assert.rejects(createService(r, 'impostor', { clusterIP: kubernetesServiceIp }), isInvalid(/provided IP is already allocated/));
  });

  it('a requested free IP is granted', async () => {
    const { registry: r } = await registry();
    const spec = specOf(await createService(r, 'fixed', { clusterIP: '10.43.100.7' }));
    assert.equal(spec.clusterIP, '10.43.100.7');
    assert.deepEqual(spec.clusterIPs, ['10.43.100.7']);
  });

  it('a requested IP already in use is refused with 422 Invalid "provided IP is already allocated"', async () => {
    const { registry: r } = await registry();
    const first = specOf(await createService(r, 'first'));
    await assert.rejects(createService(r, 'second', { clusterIP: first.clusterIP }), (error: unknown) => {
      assert.ok(error instanceof StatusError);
      assert.equal(error.code, 422);
      assert.equal(error.reason, 'Invalid');
      assert.match(error.message, /^Service "second" is invalid: spec\.clusterIPs.*provided IP is already allocated/);
      assert.equal(error.details?.causes?.[0]?.field, 'spec.clusterIPs');
      return true;
    });
    await assert.rejects(r.get(services, 'default', 'second'), (e: unknown) => e instanceof StatusError && e.code === 404);
  });

  it('a requested IP taken in another namespace is refused too', async () => {
    const { registry: r } = await registry();
    await r.create(namespaces, undefined, { metadata: { name: 'other' } });
    await createService(r, 'a', { clusterIP: '10.43.5.5' }, 'other');
    await assert.rejects(createService(r, 'b', { clusterIP: '10.43.5.5' }), isInvalid(/provided IP is already allocated/));
  });

  it('a requested IP outside the range is refused', async () => {
    const { registry: r } = await registry();
    await assert.rejects(createService(r, 'outside', { clusterIP: '10.44.0.5' }), isInvalid(/not in the valid range/));
  });

  it('headless Services (clusterIP None) get no address', async () => {
    const { registry: r } = await registry();
    const spec = specOf(await createService(r, 'headless', { clusterIP: 'None' }));
    assert.equal(spec.clusterIP, 'None');
    assert.deepEqual(spec.clusterIPs, ['None']);
  });

  it('ExternalName Services get no clusterIP', async () => {
    const { registry: r } = await registry();
    const spec = specOf(await createService(r, 'ext', { type: 'ExternalName', externalName: 'example.com', selector: undefined, ports: undefined }));
    assert.equal(spec.clusterIP, undefined);
    assert.equal(spec.clusterIPs, undefined);
    assert.equal(spec.externalName, 'example.com');
  });

  it('NodePort Services get distinct node ports in 30000-32767', async () => {
    const { registry: r } = await registry();
    const ports = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const spec = specOf(await createService(r, `np-${i}`, { type: 'NodePort', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'https', port: 443, protocol: 'TCP' }] }));
      assertInRange(spec.clusterIP);
      for (const port of spec.ports ?? []) {
        assert.equal(typeof port.nodePort, 'number');
        assert.ok(port.nodePort! >= 30000 && port.nodePort! <= 32767, `${port.nodePort} in range`);
        ports.add(port.nodePort!);
      }
    }
    assert.equal(ports.size, 10, 'every node port is distinct');
  });

  it('LoadBalancer Services get node ports too; ClusterIP Services do not', async () => {
    const { registry: r } = await registry();
    const lb = specOf(await createService(r, 'lb', { type: 'LoadBalancer' }));
    assert.ok(lb.ports?.[0]?.nodePort! >= 30000 && lb.ports?.[0]?.nodePort! <= 32767);
    const plain = specOf(await createService(r, 'plain', { type: 'ClusterIP' }));
    assert.equal(plain.ports?.[0]?.nodePort, undefined);
  });

  it('a requested node port is kept; the same port again is refused', async () => {
    const { registry: r } = await registry();
    const spec = specOf(await createService(r, 'np', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 31000 }] }));
    assert.equal(spec.ports?.[0]?.nodePort, 31000);
    await assert.rejects(createService(r, 'np2', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 31000 }] }), isInvalid(/provided port is already allocated/));
  });

  it('20 concurrent creates all get distinct addresses', async () => {
    const { registry: r } = await registry();
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => createService(r, `c-${i}`, { type: 'NodePort' })));
    const ips = created.map((o) => specOf(o).clusterIP!);
    ips.forEach(assertInRange);
    assert.equal(new Set(ips).size, 20);
    const ports = created.map((o) => specOf(o).ports![0]!.nodePort!);
    assert.equal(new Set(ports).size, 20);
  });

  it('concurrent creates asking for the same IP: exactly one wins', async () => {
    const { registry: r } = await registry();
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => createService(r, `same-${i}`, { clusterIP: '10.43.9.9' })));
    assert.equal(results.filter((x) => x.status === 'fulfilled').length, 1);
    for (const x of results) if (x.status === 'rejected') assert.ok(isInvalid(/provided IP is already allocated/)(x.reason));
  });

  it('an update keeping its own clusterIP and node ports is accepted', async () => {
    const { registry: r } = await registry();
    const created = await createService(r, 'keep', { type: 'NodePort' });
    const updated = await r.update(services, 'default', 'keep', { ...created, metadata: { ...created.metadata, labels: { a: 'b' } } });
    assert.equal(specOf(updated.object).clusterIP, specOf(created).clusterIP);
    assert.equal(specOf(updated.object).ports?.[0]?.nodePort, specOf(created).ports?.[0]?.nodePort);
  });

  it('a requested address is free again once its Service is stored and then deleted', async () => {
    const { registry: r } = await registry();
    const created = await createService(r, 'gone', { clusterIP: '10.43.7.7' });
    assert.equal(specOf(created).clusterIP, '10.43.7.7');
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // the hold is released once the owner is seen stored
    await deleteObject(r, services, 'default', 'gone');
    const again = specOf(await createService(r, 'again', { clusterIP: '10.43.7.7' }));
    assert.equal(again.clusterIP, '10.43.7.7');
  });

  it('a deleted Service frees its allocated address and node port for an explicit request', async () => {
    const { registry: r } = await registry();
    const created = specOf(await createService(r, 'np', { type: 'NodePort' }));
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await deleteObject(r, services, 'default', 'np');
    const again = specOf(await createService(r, 'np-again', { type: 'NodePort', clusterIP: created.clusterIP, ports: [{ port: 80, protocol: 'TCP', nodePort: created.ports![0]!.nodePort }] }));
    assert.equal(again.clusterIP, created.clusterIP);
    assert.equal(again.ports?.[0]?.nodePort, created.ports?.[0]?.nodePort);
  });

  it('concurrent creates asking for the same node port: exactly one wins', async () => {
    const { registry: r } = await registry();
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => createService(r, `port-${i}`, { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 30500 }] })));
    assert.equal(results.filter((x) => x.status === 'fulfilled').length, 1);
    for (const x of results) if (x.status === 'rejected') assert.ok(isInvalid(/provided port is already allocated/)(x.reason));
  });

  it('other kinds are not touched', async () => {
    const { registry: r, allocator } = await registry();
    const cm = (await r.create(configMaps, 'default', { metadata: { name: 'cm' }, data: { k: 'v' } })).object;
    assert.equal(cm.spec, undefined);
    assert.deepEqual(await allocator.admit(r, configMaps, { metadata: { name: 'x' }, spec: { clusterIP: '' } } as KubeObject, undefined), []);
  });
});
