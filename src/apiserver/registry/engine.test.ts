import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../api/index.js';
import { createMemoryStore } from '../../storage/index.js';
import { StatusError } from '../errors.js';
import { deleteObject } from './deletion.js';
import { Registry } from './engine.js';
import { listObjects } from './list.js';
import { watchObjects, type ObjectEvent } from './watch.js';

const find = (plural: string) => {
  const found = resources.find((r) => r.plural === plural && (r.group === '' || plural !== 'events'));
  if (!found) throw new Error(plural);
  return found;
};
const configMaps = find('configmaps');
const namespaces = find('namespaces');
const deployments = find('deployments');

async function registry(): Promise<Registry> {
  const r = new Registry({ store: createMemoryStore(), resources, now: () => new Date('2026-01-01T00:00:00Z') });
  await r.create(namespaces, undefined, { metadata: { name: 'default' } });
  return r;
}

const statusOf = (code: number, reason?: string) => (error: unknown) => error instanceof StatusError && error.code === code && (!reason || error.reason === reason);

describe('registry engine', () => {
  it('creates with uid, creationTimestamp and resourceVersion; refuses duplicates with 409 AlreadyExists', async () => {
    const r = await registry();
    const { object } = await r.create(configMaps, 'default', { metadata: { name: 'a' }, data: { k: 'v' } });
    assert.match(object.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(object.metadata.creationTimestamp, '2026-01-01T00:00:00Z');
    assert.ok(Number(object.metadata.resourceVersion) > 0);
    assert.equal(object.kind, 'ConfigMap');
    await assert.rejects(r.create(configMaps, 'default', { metadata: { name: 'a' } }), statusOf(409, 'AlreadyExists'));
  });

  it('read-modify-write updates issued together all land (none fails on a write still being committed)', async () => {
    const r = await registry();
    await r.create(configMaps, 'default', { metadata: { name: 'busy' }, data: {} });
    const writes = Array.from({ length: 8 }, (_, i) => r.guaranteedUpdate(configMaps, 'default', 'busy', (current) => {
      current.data = { ...(current.data as Record<string, string>), [`k${i}`]: String(i) };
      return current;
    }));
    await Promise.all(writes);
    const final = await r.get(configMaps, 'default', 'busy');
    assert.deepEqual(Object.keys(final.data as object).sort(), ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
  });

  it('generateName picks a unique name with a five-character suffix', async () => {
    const r = await registry();
    const { object } = await r.create(configMaps, 'default', { metadata: { generateName: 'web-' } });
    assert.match(object.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
  });

  it('updates are conditional on resourceVersion (409 Conflict) and unconditional without one', async () => {
    const r = await registry();
    const { object } = await r.create(configMaps, 'default', { metadata: { name: 'a' }, data: { k: '1' } });
    const updated = await r.update(configMaps, 'default', 'a', { ...object, data: { k: '2' } });
    await assert.rejects(r.update(configMaps, 'default', 'a', { ...object, data: { k: '3' } }), statusOf(409, 'Conflict'));
    const unconditional = await r.update(configMaps, 'default', 'a', { metadata: { name: 'a' }, data: { k: '4' } });
    assert.ok(Number(unconditional.object.metadata.resourceVersion) > Number(updated.object.metadata.resourceVersion));
    assert.equal(unconditional.object.metadata.uid, object.metadata.uid, 'uid is carried over');
  });

  it('bumps generation on spec changes only', async () => {
    const r = await registry();
    const body = { metadata: { name: 'web' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } };
    const created = await r.create(deployments, 'default', body);
    assert.equal(created.object.metadata.generation, 1);
    const labelled = await r.update(deployments, 'default', 'web', { ...created.object, metadata: { ...created.object.metadata, labels: { a: 'b' } } });
    assert.equal(labelled.object.metadata.generation, 1);
    const scaled = await r.update(deployments, 'default', 'web', { ...labelled.object, spec: { ...(labelled.object.spec as object), replicas: 3 } });
    assert.equal(scaled.object.metadata.generation, 2);
  });

  it('writes into a missing namespace are refused with 404', async () => {
    const r = await registry();
    await assert.rejects(r.create(configMaps, 'nope', { metadata: { name: 'a' } }), (e: unknown) => statusOf(404)(e) && (e as Error).message === 'namespaces "nope" not found');
  });

  it('finalizers hold deletion; removing the last one deletes', async () => {
    const r = await registry();
    await r.create(configMaps, 'default', { metadata: { name: 'held', finalizers: ['example.com/x'] } });
    const first = await deleteObject(r, configMaps, 'default', 'held');
    assert.equal(first.removed, false);
    assert.ok(first.object.metadata.deletionTimestamp);
    const current = await r.get(configMaps, 'default', 'held');
    await r.update(configMaps, 'default', 'held', { ...current, metadata: { ...current.metadata, finalizers: [] } });
    await assert.rejects(r.get(configMaps, 'default', 'held'), statusOf(404, 'NotFound'));
  });

  it('lists with label selectors and pages with continue tokens', async () => {
    const r = await registry();
    for (let i = 0; i < 5; i++) await r.create(configMaps, 'default', { metadata: { name: `c${i}`, labels: { parity: i % 2 ? 'odd' : 'even' } } });
    const even = await listObjects(r, configMaps, 'default', { labelSelector: 'parity=even' });
    assert.deepEqual(even.items.map((i) => i.metadata.name), ['c0', 'c2', 'c4']);
    const first = await listObjects(r, configMaps, 'default', { limit: 2 });
    assert.equal(first.items.length, 2);
    assert.equal(first.remainingItemCount, 3);
    const second = await listObjects(r, configMaps, 'default', { limit: 2, continue: first.continue });
    assert.deepEqual(second.items.map((i) => i.metadata.name), ['c2', 'c3']);
    await assert.rejects(listObjects(r, configMaps, 'default', { continue: 'garbage!!' }), statusOf(400));
    await assert.rejects(listObjects(r, configMaps, 'default', { fieldSelector: 'spec.nope=1' }), statusOf(400));
  });

  it('C091 a watch with a label selector sees an object leave as DELETED and return as ADDED', async () => {
    const r = await registry();
    const { object } = await r.create(configMaps, 'default', { metadata: { name: 'w', labels: { watch: 'yes' } } });
    const events: ObjectEvent[] = [];
    const controller = new AbortController();
    const done = watchObjects(r, configMaps, 'default', { resourceVersion: object.metadata.resourceVersion, labelSelector: 'watch=yes' }, (e) => events.push(e), controller.signal);
    const off = await r.update(configMaps, 'default', 'w', { ...object, metadata: { ...object.metadata, resourceVersion: undefined, labels: { watch: 'no' } } });
    await r.update(configMaps, 'default', 'w', { ...off.object, metadata: { ...off.object.metadata, resourceVersion: undefined, labels: { watch: 'yes' }, annotations: { again: 'true' } } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    await done;
    assert.deepEqual(events.map((e) => e.type), ['DELETED', 'ADDED']);
  });
});
