import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import { startTestApi, waitFor } from '../client/testing.js';
import { SimulatedNodes } from '../simulated/index.js';
import { Scheduler } from './scheduler.js';
import type { Pod, PodSpec } from './types.js';

const podsRef = { apiVersion: 'v1', plural: 'pods' };
const eventsRef = { apiVersion: 'v1', plural: 'events' };

/** A test API, two simulated 1-CPU nodes (they stop and remove deleted pods) and the scheduler. */
async function start(t: TestContext): Promise<Client> {
  const api = await startTestApi();
  const abort = new AbortController();
  const sim = new SimulatedNodes({ client: api.client, count: 2, capacity: { cpu: '1' }, startDelayMs: 20 });
  const scheduler = new Scheduler({ client: api.clientAs('system:kube-scheduler'), retryIntervalMs: 60_000, initialBackoffMs: 20, maxBackoffMs: 100 });
  let running: Promise<void> | undefined;
  t.after(async () => {
    abort.abort();
    await Promise.all([sim.run(abort.signal), running]);
    await api.stop();
  });
  await sim.start(abort.signal);
  running = scheduler.run(abort.signal);
  return api.client;
}

async function addPod(client: Client, name: string, cpu: string, spec: Partial<PodSpec> = {}): Promise<void> {
  await client.create(podsRef, 'default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
    spec: { terminationGracePeriodSeconds: 1, ...spec, containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu, memory: '64Mi' } } }] },
  });
}

const getPod = (client: Client, name: string): Promise<Pod> => client.get<Pod>(podsRef, 'default', name);
const running = (client: Client, name: string): Promise<Pod> =>
  waitFor(`${name} to run`, async () => {
    const pod = await getPod(client, name);
    return pod.status?.phase === 'Running' ? pod : undefined;
  });

async function events(client: Client, name: string, reason: string): Promise<KubeObject[]> {
  const list = await client.list(eventsRef, 'default');
  return list.items.filter((e) => (e.involvedObject as { name?: string } | undefined)?.name === name && e.reason === reason);
}

async function names(client: Client): Promise<string[]> {
  return (await client.list(podsRef, 'default')).items.map((p) => p.metadata.name ?? '').sort();
}

async function fillNodes(client: Client): Promise<void> {
  await addPod(client, 'low-a', '900m', { priority: 0 });
  await addPod(client, 'low-b', '900m', { priority: 0 });
  await running(client, 'low-a');
  await running(client, 'low-b');
}

test('a higher-priority pod preempts exactly one lower-priority pod, is nominated and runs there', async (t) => {
  const client = await start(t);
  await fillNodes(client);
  await addPod(client, 'high', '900m', { priority: 1000 });
  const high = await running(client, 'high');
  const node = high.spec?.nodeName;
  assert.ok(node);
  assert.equal(high.status?.nominatedNodeName, node);
  // The victim's node stops it (phase set, the scheduler frees its space) and then removes it.
  const left = await waitFor('the victim to be removed', async () => {
    const current = await names(client);
    return current.length === 2 ? current : undefined;
  });
  const victim = ['low-a', 'low-b'].find((n) => !left.includes(n));
  assert.ok(victim, 'one low pod was preempted');
  const survivor = await getPod(client, left.find((n) => n !== 'high')!);
  assert.notEqual(survivor.spec?.nodeName, node);
  assert.equal(survivor.metadata.deletionTimestamp, undefined);
  const preempted = await waitFor('a Preempted event', async () => {
    const e = await events(client, victim, 'Preempted');
    return e.length ? e : undefined;
  });
  assert.equal(preempted[0]!.message, `Preempted by pod ${high.metadata.uid} on node ${node}`);
  // While the victim terminated, the preemptor was reported with the filter message alone.
  const failed = await events(client, 'high', 'FailedScheduling');
  assert.ok(failed.length > 0);
  assert.equal(failed[0]!.message, '0/2 nodes are available: 2 Insufficient cpu.');
});

test('preemptionPolicy Never: the pod stays Pending and nothing is preempted', async (t) => {
  const client = await start(t);
  await fillNodes(client);
  await addPod(client, 'polite', '900m', { priority: 1000, preemptionPolicy: 'Never' });
  const failed = await waitFor('FailedScheduling', async () => {
    const e = await events(client, 'polite', 'FailedScheduling');
    return e.length ? e : undefined;
  });
  assert.equal(failed[0]!.message, '0/2 nodes are available: 2 Insufficient cpu.');
  await new Promise((r) => setTimeout(r, 300));
  const pod = await getPod(client, 'polite');
  assert.equal(pod.spec?.nodeName, undefined);
  assert.equal(pod.status?.nominatedNodeName, undefined);
  assert.deepEqual(await names(client), ['low-a', 'low-b', 'polite']);
  assert.equal((await getPod(client, 'low-a')).metadata.deletionTimestamp, undefined);
  assert.equal((await getPod(client, 'low-b')).metadata.deletionTimestamp, undefined);
});

test('a pod failing on its node selector preempts nothing', async (t) => {
  const client = await start(t);
  await fillNodes(client);
  await addPod(client, 'picky', '900m', { priority: 1000, nodeSelector: { disk: 'ssd' } });
  const failed = await waitFor('FailedScheduling', async () => {
    const e = await events(client, 'picky', 'FailedScheduling');
    return e.length ? e : undefined;
  });
  assert.equal(failed[0]!.message, "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(await names(client), ['low-a', 'low-b', 'picky']);
  assert.equal((await getPod(client, 'low-a')).metadata.deletionTimestamp, undefined);
  assert.equal((await getPod(client, 'low-b')).metadata.deletionTimestamp, undefined);
});

test('equal priority preempts nothing and keeps the preemption message', async (t) => {
  const client = await start(t);
  await fillNodes(client);
  await addPod(client, 'peer', '900m', { priority: 0 });
  const failed = await waitFor('FailedScheduling', async () => {
    const e = await events(client, 'peer', 'FailedScheduling');
    return e.length ? e : undefined;
  });
  assert.equal(failed[0]!.message, '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.');
});
