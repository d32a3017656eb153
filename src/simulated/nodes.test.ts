import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import { startTestApi, waitFor } from '../client/testing.js';
import { SimulatedNodes } from './nodes.js';

const nodes = { apiVersion: 'v1', plural: 'nodes' };
const pods = { apiVersion: 'v1', plural: 'pods' };
const leases = { apiVersion: 'coordination.k8s.io/v1', plural: 'leases' };
const events = { apiVersion: 'v1', plural: 'events' };

type Rec = Record<string, unknown>;
const rec = (value: unknown): Rec => (typeof value === 'object' && value !== null ? (value as Rec) : {});
const list = (value: unknown): Rec[] => (Array.isArray(value) ? value.map(rec) : []);
const condition = (object: KubeObject, type: string): Rec | undefined => list(rec(object.status).conditions).find((c) => c.type === type);

/** Polls until check returns a value (not undefined/false), failing after timeoutMs. */

/** A control plane with `count` simulated nodes; everything is stopped when the test ends. */
async function cluster(t: TestContext, count: number, leaseRenewMs = 10_000): Promise<{ client: Client; sim: SimulatedNodes }> {
  const api = await startTestApi();
  const abort = new AbortController();
  const sim = new SimulatedNodes({ client: api.client, count, leaseRenewMs, startDelayMs: 50 });
  t.after(async () => {
    abort.abort();
    await sim.run(abort.signal);
    await api.stop();
  });
  await sim.start(abort.signal);
  return { client: api.client, sim };
}

function podObject(name: string, extra: { restartPolicy?: string; annotations?: Record<string, string>; initContainers?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: {
      ...(extra.restartPolicy ? { restartPolicy: extra.restartPolicy } : {}),
      ...(extra.initContainers ? { initContainers: [{ name: 'setup', image: 'busybox:1.36' }] } : {}),
      containers: [{ name: 'nginx', image: 'nginx:1.27' }],
    },
  };
}

async function runPod(client: Client, pod: KubeObject, node: string): Promise<void> {
  await client.create(pods, 'default', pod);
  await client.bind('default', pod.metadata.name ?? '', node);
}

async function podInPhase(client: Client, name: string, phase: string): Promise<KubeObject> {
  return waitFor(`pod ${name} ${phase}`, async () => {
    const pod = await client.get(pods, 'default', name);
    return rec(pod.status).phase === phase ? pod : undefined;
  });
}

const ipInCidr = (ip: string, cidr: string): boolean => ip.startsWith(cidr.replace(/\.0\/24$/, '.'));

test('simulated nodes register Ready with capacity, labels, addresses and pod CIDRs', async (t) => {
  const { client } = await cluster(t, 3);
  const listed = (await client.list(nodes, undefined)).items;
  assert.deepEqual(listed.map((n) => n.metadata.name).sort(), ['sim-node-1', 'sim-node-2', 'sim-node-3']);
  for (const [i, node] of listed.sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name))).entries()) {
    const ready = condition(node, 'Ready');
    assert.equal(ready?.status, 'True');
    assert.equal(ready?.reason, 'KubeletReady');
    assert.equal(condition(node, 'MemoryPressure')?.status, 'False');
    assert.equal(condition(node, 'DiskPressure')?.reason, 'KubeletHasNoDiskPressure');
    const status = rec(node.status);
    assert.deepEqual({ ...rec(status.capacity) }, { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi', 'hugepages-2Mi': '0' });
    assert.equal(rec(status.allocatable).pods, '110');
    assert.equal(rec(status.nodeInfo).kubeletVersion, 'v1.32.0');
    assert.equal(rec(status.nodeInfo).containerRuntimeVersion, 'simulated://1.0');
    assert.equal(node.metadata.labels?.['kubernetes.io/hostname'], node.metadata.name);
    assert.equal(node.metadata.labels?.type, 'simulated');
    assert.equal(rec(node.spec).podCIDR, `10.42.${i + 1}.0/24`);
    const internal = list(status.addresses).find((a) => a.type === 'InternalIP');
    assert.match(String(internal?.address), /^10\.44\.\d+\.\d+$/);
  }
});

test('a node already registered is reused after a restart', async (t) => {
  const api = await startTestApi();
  t.after(() => api.stop());
  for (let round = 0; round < 2; round++) {
    const abort = new AbortController();
    const sim = new SimulatedNodes({ client: api.client, count: 1 });
    await sim.start(abort.signal);
    abort.abort();
    await sim.run(abort.signal);
  }
  const listed = (await api.client.list(nodes, undefined)).items;
  assert.equal(listed.length, 1);
  assert.equal(condition(listed[0] as KubeObject, 'Ready')?.status, 'True');
});

test('each node renews its Lease, and a stopped node stops renewing until started again', async (t) => {
  const { client, sim } = await cluster(t, 2, 30);
  const renewTime = async (name: string): Promise<string> => String(rec((await client.get(leases, 'kube-node-lease', name)).spec).renewTime);
  const lease = await client.get(leases, 'kube-node-lease', 'sim-node-1');
  assert.equal(rec(lease.spec).holderIdentity, 'sim-node-1');
  assert.equal(rec(lease.spec).leaseDurationSeconds, 40);
  assert.match(String(rec(lease.spec).renewTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  const first = await renewTime('sim-node-1');
  await waitFor('lease renewal', async () => (await renewTime('sim-node-1')) !== first);

  sim.stop('sim-node-1');
  const stopped = await renewTime('sim-node-1');
  const other = await renewTime('sim-node-2');
  await waitFor('the running node to renew', async () => (await renewTime('sim-node-2')) !== other);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(await renewTime('sim-node-1'), stopped);

  await sim.start('sim-node-1');
  await waitFor('the restarted node to renew', async () => (await renewTime('sim-node-1')) !== stopped);
});

test('a bound pod becomes Running with an IP of its node and Ready, with kubelet events', async (t) => {
  const { client, sim } = await cluster(t, 2);
  await runPod(client, podObject('web'), 'sim-node-2');
  const pod = await podInPhase(client, 'web', 'Running');
  const status = rec(pod.status);
  const cidr = sim.node('sim-node-2')?.podCIDR ?? '';
  assert.equal(cidr, '10.42.2.0/24');
  assert.ok(ipInCidr(String(status.podIP), cidr), `${String(status.podIP)} in ${cidr}`);
  assert.equal(status.podIP, '10.42.2.2');
  assert.deepEqual(status.podIPs, [{ ip: status.podIP }]);
  assert.equal(status.hostIP, sim.node('sim-node-2')?.internalIP);
  for (const type of ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']) assert.equal(condition(pod, type)?.status, 'True', type);
  const container = list(status.containerStatuses)[0] ?? {};
  assert.equal(container.ready, true);
  assert.equal(container.started, true);
  assert.equal(container.restartCount, 0);
  assert.equal(container.imageID, 'simulated://nginx:1.27');
  assert.equal(container.containerID, `simulated://${pod.metadata.uid ?? ''}/nginx`);
  assert.ok(rec(rec(container.state).running).startedAt);

  const messages = await waitFor('kubelet events', async () => {
    const seen = (await client.list(events, 'default')).items.filter((e) => rec(e.involvedObject).name === 'web').map((e) => `${String(e.reason)}: ${String(e.message)}`);
    return seen.length >= 3 ? seen.sort() : undefined;
  });
  assert.deepEqual(messages, ['Created: Created container: nginx', 'Pulled: Container image "nginx:1.27" already present on machine', 'Started: Started container nginx']);

  // A second pod on the same node gets the next address.
  await runPod(client, podObject('web2'), 'sim-node-2');
  assert.equal(rec((await podInPhase(client, 'web2', 'Running')).status).podIP, '10.42.2.3');
});

test('a pod that is still creating reports ContainerCreating', async (t) => {
  const api = await startTestApi();
  const abort = new AbortController();
  const sim = new SimulatedNodes({ client: api.client, count: 1, startDelayMs: 2000 });
  t.after(async () => {
    abort.abort();
    await sim.run(abort.signal);
    await api.stop();
  });
  await sim.start(abort.signal);
  await runPod(api.client, podObject('slow'), 'sim-node-1');
  const pod = await waitFor('ContainerCreating', async () => {
    const p = await api.client.get(pods, 'default', 'slow');
    return list(rec(p.status).containerStatuses).length > 0 ? p : undefined;
  });
  const status = rec(pod.status);
  assert.equal(status.phase, 'Pending');
  assert.equal(rec(rec(list(status.containerStatuses)[0]?.state).waiting).reason, 'ContainerCreating');
  assert.equal(condition(pod, 'Ready')?.reason, 'ContainersNotReady');
  assert.equal(condition(pod, 'Ready')?.message, 'containers with unready status: [nginx]');
  assert.equal(condition(pod, 'PodReadyToStartContainers')?.status, 'False');
  assert.equal(condition(pod, 'Initialized')?.status, 'True');
  assert.ok(status.startTime);
});

test('run-to-completion pods end Succeeded or Failed as their annotations say', async (t) => {
  const { client } = await cluster(t, 1);
  await runPod(client, podObject('ok', { restartPolicy: 'Never', annotations: { 'litekube.io/simulated-duration': '100ms' }, initContainers: true }), 'sim-node-1');
  await runPod(client, podObject('bad', { restartPolicy: 'Never', annotations: { 'litekube.io/simulated-duration': '100ms', 'litekube.io/simulated-exit-code': '1' } }), 'sim-node-1');
  const ok = rec((await podInPhase(client, 'ok', 'Succeeded')).status);
  const okState = rec(rec(list(ok.containerStatuses)[0]?.state).terminated);
  assert.equal(okState.reason, 'Completed');
  assert.equal(okState.exitCode, 0);
  assert.equal(rec(rec(list(ok.initContainerStatuses)[0]?.state).terminated).reason, 'Completed');
  const bad = rec((await podInPhase(client, 'bad', 'Failed')).status);
  const badState = rec(rec(list(bad.containerStatuses)[0]?.state).terminated);
  assert.equal(badState.reason, 'Error');
  assert.equal(badState.exitCode, 1);
});

test('an OnFailure pod that fails is restarted', async (t) => {
  const api = await startTestApi();
  const abort = new AbortController();
  const sim = new SimulatedNodes({ client: api.client, count: 1, startDelayMs: 20, restartBackOffMs: 50 });
  t.after(async () => {
    abort.abort();
    await sim.run(abort.signal);
    await api.stop();
  });
  await sim.start(abort.signal);
  await runPod(api.client, podObject('retry', { restartPolicy: 'OnFailure', annotations: { 'litekube.io/simulated-duration': '50ms', 'litekube.io/simulated-exit-code': '2' } }), 'sim-node-1');
  const container = await waitFor('a restart', async () => {
    const status = rec((await api.client.get(pods, 'default', 'retry')).status);
    const c = list(status.containerStatuses)[0];
    return c && Number(c.restartCount) >= 1 && status.phase === 'Running' ? c : undefined;
  });
  assert.equal(rec(rec(container.lastState).terminated).exitCode, 2);
});

test('a deleted bound pod disappears and its IP is reused', async (t) => {
  const { client } = await cluster(t, 1);
  await runPod(client, podObject('gone'), 'sim-node-1');
  const ip = rec((await podInPhase(client, 'gone', 'Running')).status).podIP;
  await client.delete(pods, 'default', 'gone');
  await waitFor('pod removal', async () => {
    try {
      await client.get(pods, 'default', 'gone');
      return false;
    } catch (error: unknown) {
      return rec(error).code === 404;
    }
  });
  await runPod(client, podObject('next'), 'sim-node-1');
  assert.equal(rec((await podInPhase(client, 'next', 'Running')).status).podIP, ip);
});

test('a stopped node leaves its pods alone until it is started again', async (t) => {
  const { client, sim } = await cluster(t, 1);
  sim.stop('sim-node-1');
  await runPod(client, podObject('waiting'), 'sim-node-1');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(list(rec((await client.get(pods, 'default', 'waiting')).status).containerStatuses).length, 0);
  await sim.start('sim-node-1');
  await podInPhase(client, 'waiting', 'Running');
});
