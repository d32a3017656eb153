import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import { startTestApi, type TestApi, waitFor as until } from '../client/testing.js';
import { Scheduler } from './scheduler.js';
import type { Container, Pod, PodSpec, Taint } from './types.js';

const nodesRef = { apiVersion: 'v1', plural: 'nodes' };
const podsRef = { apiVersion: 'v1', plural: 'pods' };
const eventsRef = { apiVersion: 'v1', plural: 'events' };

interface Harness {
  api: TestApi;
  client: Client;
  scheduler: Scheduler;
  stop(): Promise<void>;
}

async function start(): Promise<Harness> {
  const api = await startTestApi();
  const abort = new AbortController();
  const scheduler = new Scheduler({ client: api.clientAs('system:kube-scheduler'), retryIntervalMs: 60_000, initialBackoffMs: 20, maxBackoffMs: 100 });
  const running = scheduler.run(abort.signal);
  return {
    api, client: api.client, scheduler,
    async stop() {
      abort.abort();
      await running;
      await api.stop();
    },
  };
}

async function addNode(client: Client, name: string, opts: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean } = {}): Promise<void> {
  await client.create(nodesRef, undefined, {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...opts.labels } },
    spec: { ...(opts.taints ? { taints: opts.taints } : {}), ...(opts.unschedulable ? { unschedulable: true } : {}) },
  });
  const resources = { cpu: opts.cpu ?? '4', memory: opts.memory ?? '8Gi', pods: opts.pods ?? '110' };
  await client.patch(nodesRef, undefined, name, 'merge', { status: { capacity: resources, allocatable: resources } }, { subresource: 'status' });
}

async function addPod(client: Client, name: string, opts: { requests?: Record<string, string>; labels?: Record<string, string>; spec?: Partial<PodSpec>; containers?: Container[] } = {}): Promise<void> {
  const containers = opts.containers ?? [{ name: 'app', image: 'nginx', resources: { requests: opts.requests ?? { cpu: '100m', memory: '64Mi' } } }];
  await client.create(podsRef, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: opts.labels ?? {} }, spec: { ...opts.spec, containers } });
}

async function getPod(client: Client, name: string): Promise<Pod> {
  return client.get<Pod>(podsRef, 'default', name);
}


const boundTo = (client: Client, name: string): Promise<string> => until(`${name} to be bound`, async () => (await getPod(client, name)).spec?.nodeName || undefined);

async function eventsFor(client: Client, name: string, reason: string): Promise<KubeObject[]> {
  const list = await client.list(eventsRef, 'default');
  return list.items.filter((e) => (e.involvedObject as { name?: string } | undefined)?.name === name && e.reason === reason);
}

test('pods are bound to fitting nodes, spread by LeastAllocated, with a Scheduled event', async () => {
  const h = await start();
  try {
    await addNode(h.client, 'n1');
    await addNode(h.client, 'n2');
    await addNode(h.client, 'n3');
    for (let i = 0; i < 6; i++) await addPod(h.client, `web-${i}`, { requests: { cpu: '500m', memory: '256Mi' } });
    const placed = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => boundTo(h.client, `web-${i}`)));
    const perNode = new Map<string, number>();
    for (const n of placed) perNode.set(n, (perNode.get(n) ?? 0) + 1);
    assert.deepEqual([...perNode.values()].sort(), [2, 2, 2]);
    const events = await until('a Scheduled event', async () => {
      const e = await eventsFor(h.client, 'web-0', 'Scheduled');
      return e.length ? e : undefined;
    });
    assert.equal(events[0]!.message, `Successfully assigned default/web-0 to ${placed[0]}`);
    assert.equal(events[0]!.type, 'Normal');
    const scheduled = (await getPod(h.client, 'web-0')).status?.conditions?.find((c) => c.type === 'PodScheduled');
    assert.equal(scheduled?.status, 'True');
  } finally {
    await h.stop();
  }
});

test('a pod too big for every node stays Pending as Unschedulable until a big node joins', async () => {
  const h = await start();
  try {
    for (const n of ['n1', 'n2', 'n3']) await addNode(h.client, n, { cpu: '2' });
    await addPod(h.client, 'huge', { requests: { cpu: '8' } });
    const message = '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
    const condition = await until('the PodScheduled=False condition', async () => {
      const c = (await getPod(h.client, 'huge')).status?.conditions?.find((c) => c.type === 'PodScheduled');
      return c?.status === 'False' && c.message === message ? c : undefined;
    });
    assert.equal(condition.reason, 'Unschedulable');
    assert.equal(condition.lastProbeTime ?? null, null);
    assert.ok(condition.lastTransitionTime);
    const events = await until('a FailedScheduling event', async () => {
      const e = await eventsFor(h.client, 'huge', 'FailedScheduling');
      return e.length ? e : undefined;
    });
    assert.equal(events[0]!.type, 'Warning');
    assert.equal(events[0]!.message, message);
    assert.equal((await getPod(h.client, 'huge')).spec?.nodeName ?? '', '');

    await addNode(h.client, 'big', { cpu: '16' });
    assert.equal(await boundTo(h.client, 'huge'), 'big');
  } finally {
    await h.stop();
  }
});

test('with no nodes the pod reports "no nodes available to schedule pods"', async () => {
  const h = await start();
  try {
    await addPod(h.client, 'alone');
    const c = await until('the condition', async () => (await getPod(h.client, 'alone')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'));
    assert.equal(c.message, 'no nodes available to schedule pods');
    assert.equal(c.reason, 'Unschedulable');
    await addNode(h.client, 'n1');
    assert.equal(await boundTo(h.client, 'alone'), 'n1');
  } finally {
    await h.stop();
  }
});

test('nodeSelector, taints and tolerations, and cordoned nodes steer placement', async () => {
  const h = await start();
  try {
    await addNode(h.client, 'ssd', { labels: { disk: 'ssd' } });
    await addNode(h.client, 'gpu', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    await addNode(h.client, 'cordoned', { unschedulable: true });
    await addPod(h.client, 'wants-ssd', { spec: { nodeSelector: { disk: 'ssd' } } });
    await addPod(h.client, 'tolerates-gpu', { spec: { nodeSelector: { 'kubernetes.io/hostname': 'gpu' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] } });
    assert.equal(await boundTo(h.client, 'wants-ssd'), 'ssd');
    assert.equal(await boundTo(h.client, 'tolerates-gpu'), 'gpu');
    for (let i = 0; i < 4; i++) await addPod(h.client, `plain-${i}`);
    for (let i = 0; i < 4; i++) assert.equal(await boundTo(h.client, `plain-${i}`), 'ssd');

    await addPod(h.client, 'nowhere', { spec: { nodeSelector: { disk: 'nvme' } } });
    const c = await until('the condition', async () => (await getPod(h.client, 'nowhere')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'));
    assert.equal(c.message, "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
  } finally {
    await h.stop();
  }
});

test('host port conflicts keep two pods apart', async () => {
  const h = await start();
  try {
    await addNode(h.client, 'n1');
    await addNode(h.client, 'n2');
    const withPort: Container[] = [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80, hostPort: 8080 }] }];
    for (const name of ['p1', 'p2']) await addPod(h.client, name, { containers: withPort });
    const a = await boundTo(h.client, 'p1');
    const b = await boundTo(h.client, 'p2');
    assert.notEqual(a, b);
    await addPod(h.client, 'p3', { containers: withPort });
    const c = await until('the condition', async () => (await getPod(h.client, 'p3')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'));
    assert.equal(c.message, "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.");
    // Deleting a holder frees the port and the waiting pod is retried.
    await h.client.delete(podsRef, 'default', 'p1', { gracePeriodSeconds: 0 });
    assert.equal(await boundTo(h.client, 'p3'), a);
  } finally {
    await h.stop();
  }
});

test('required anti-affinity puts two pods with the same label on different nodes', async () => {
  const h = await start();
  try {
    await addNode(h.client, 'n1', { cpu: '1' });
    await addNode(h.client, 'n2', { cpu: '64' });
    const anti = { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'db' } } }] } } };
    await addPod(h.client, 'db-0', { labels: { app: 'db' }, spec: anti });
    const first = await boundTo(h.client, 'db-0');
    await addPod(h.client, 'db-1', { labels: { app: 'db' }, spec: anti });
    const second = await boundTo(h.client, 'db-1');
    assert.notEqual(first, second);
    await addPod(h.client, 'db-2', { labels: { app: 'db' }, spec: anti });
    const c = await until('the condition', async () => (await getPod(h.client, 'db-2')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'));
    assert.equal(c.message, "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.");
  } finally {
    await h.stop();
  }
});

test('topology spread keeps zones within maxSkew', async () => {
  const h = await start();
  try {
    await addNode(h.client, 'a1', { labels: { zone: 'a' }, cpu: '64' });
    await addNode(h.client, 'a2', { labels: { zone: 'a' }, cpu: '64' });
    await addNode(h.client, 'b1', { labels: { zone: 'b' }, cpu: '1' });
    const spread = { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }] };
    const zones = new Map<string, number>();
    for (let i = 0; i < 6; i++) {
      await addPod(h.client, `web-${i}`, { labels: { app: 'web' }, spec: spread, requests: { cpu: '100m' } });
      const node = await boundTo(h.client, `web-${i}`);
      const zone = node.startsWith('a') ? 'a' : 'b';
      zones.set(zone, (zones.get(zone) ?? 0) + 1);
      assert.ok(Math.abs((zones.get('a') ?? 0) - (zones.get('b') ?? 0)) <= 1, `skew after web-${i}: ${JSON.stringify([...zones])}`);
    }
    assert.deepEqual([zones.get('a'), zones.get('b')], [3, 3]);
  } finally {
    await h.stop();
  }
});

test('pods for another scheduler, with gates, or already bound are left alone', async () => {
  const h = await start();
  try {
    await addNode(h.client, 'n1');
    await addPod(h.client, 'other', { spec: { schedulerName: 'my-scheduler' } });
    await addPod(h.client, 'gated', { spec: { schedulingGates: [{ name: 'wait' }] } });
    await addPod(h.client, 'normal');
    await boundTo(h.client, 'normal');
    assert.equal((await getPod(h.client, 'other')).spec?.nodeName ?? '', '');
    assert.equal((await getPod(h.client, 'gated')).spec?.nodeName ?? '', '');
    assert.equal((await getPod(h.client, 'gated')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'), undefined);
  } finally {
    await h.stop();
  }
});
