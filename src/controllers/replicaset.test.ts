import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi, waitFor } from '../client/testing.js';
import type { Client } from '../client/index.js';
import { ReplicaSetController, comparePodsForDeletion, isPodAvailable, podsRef, replicaSetsRef, type Pod, type ReplicaSet } from './replicaset.js';

const eventsRef = { apiVersion: 'v1', plural: 'events' };


/** Retries a write on conflicts (the controller writes the same objects meanwhile). */
async function retrying<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error: unknown) {
      if ((error as { code?: unknown }).code !== 409 || attempt >= 10) throw error;
      // The store can briefly report a conflict while a write is pending: wait a moment.
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

function replicaSet(name: string, replicas: number, extra: { minReadySeconds?: number } = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      ...extra,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, tier: 'web' }, annotations: { note: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  };
}

async function podsOf(client: Client, app: string): Promise<Pod[]> {
  const list = await client.list<Pod>(podsRef, 'default', { labelSelector: `app=${app}` });
  return list.items.filter((p) => !p.metadata.deletionTimestamp);
}

export async function markReady(client: Client, pod: Pod, at = new Date()): Promise<void> {
  const time = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  await client.patch(podsRef, pod.metadata.namespace, pod.metadata.name ?? '', 'merge', {
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: time }] },
  }, { subresource: 'status' });
}

async function withController(fn: (api: TestApi, controller: ReplicaSetController) => Promise<void>): Promise<void> {
  const api = await startTestApi();
  const abort = new AbortController();
  const controller = new ReplicaSetController({ client: api.client, workers: 2 });
  const running = controller.run(abort.signal);
  try {
    await fn(api, controller);
  } finally {
    abort.abort();
    await running;
    await api.stop();
  }
}

test('creates replicas pods with owner references, labels and annotations, and records events', async () => {
  await withController(async ({ client }) => {
    const rs = await client.create<ReplicaSet>(replicaSetsRef, 'default', replicaSet('web', 3));
    const pods = await waitFor('3 pods', async () => {
      const p = await podsOf(client, 'web');
      return p.length === 3 ? p : undefined;
    });
    for (const pod of pods) {
      assert.match(pod.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
      assert.deepEqual(pod.metadata.labels, { app: 'web', tier: 'web' });
      assert.equal(pod.metadata.annotations?.note, 'x');
      assert.deepEqual(pod.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    // No burst of duplicate creations: still 3 a moment later.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await podsOf(client, 'web')).length, 3);
    const events = await waitFor('events', async () => {
      const list = await client.list(eventsRef, 'default');
      const created = list.items.filter((e) => e.reason === 'SuccessfulCreate');
      return created.length === 3 ? created : undefined;
    });
    assert.match(String(events[0]?.message), /^Created pod: web-/);
    const status = await waitFor('status', async () => {
      const r = await client.get<ReplicaSet>(replicaSetsRef, 'default', 'web');
      return r.status?.replicas === 3 && r.status.observedGeneration === r.metadata.generation ? r.status : undefined;
    });
    assert.equal(status.fullyLabeledReplicas, 3);
    assert.equal(status.readyReplicas ?? 0, 0);
    assert.equal(status.availableReplicas ?? 0, 0);
  });
});

test('replaces a deleted pod and scales down, not-ready pods first', async () => {
  await withController(async ({ client }) => {
    await client.create<ReplicaSet>(replicaSetsRef, 'default', replicaSet('api', 2));
    const pods = await waitFor('2 pods', async () => {
      const p = await podsOf(client, 'api');
      return p.length === 2 ? p : undefined;
    });
    await client.delete(podsRef, 'default', pods[0]!.metadata.name ?? '');
    await waitFor('a replacement', async () => {
      const p = await podsOf(client, 'api');
      return p.length === 2 && !p.some((x) => x.metadata.name === pods[0]!.metadata.name);
    });
    // Scale to 1: the not-ready pod goes before the ready one.
    const now = await podsOf(client, 'api');
    await markReady(client, now[0]!);
    await retrying(() => client.patch(replicaSetsRef, 'default', 'api', 'merge', { spec: { replicas: 1 } }));
    const left = await waitFor('1 pod', async () => {
      const p = await podsOf(client, 'api');
      return p.length === 1 ? p : undefined;
    });
    assert.equal(left[0]!.metadata.name, now[0]!.metadata.name);
    const deleted = await waitFor('SuccessfulDelete', async () => {
      const list = await client.list(eventsRef, 'default');
      return list.items.find((e) => e.reason === 'SuccessfulDelete');
    });
    assert.equal(deleted.message, `Deleted pod: ${now[1]!.metadata.name}`);
  });
});

test('adopts a matching orphan and releases a pod whose labels stop matching', async () => {
  await withController(async ({ client }) => {
    await client.create<Pod>(podsRef, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'orphan', labels: { app: 'db' } },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
    const rs = await client.create<ReplicaSet>(replicaSetsRef, 'default', replicaSet('db', 2));
    await waitFor('adoption and one more pod', async () => {
      const p = await podsOf(client, 'db');
      const orphan = p.find((x) => x.metadata.name === 'orphan');
      return p.length === 2 && orphan?.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid;
    });
    const status = await waitFor('status', async () => {
      const r = await client.get<ReplicaSet>(replicaSetsRef, 'default', 'db');
      return r.status?.replicas === 2 ? r.status : undefined;
    });
    assert.equal(status.fullyLabeledReplicas, 1, 'the orphan lacks the tier label');
    // Relabel the orphan: it is released and replaced.
    await retrying(() => client.patch(podsRef, 'default', 'orphan', 'merge', { metadata: { labels: { app: 'other' } } }));
    await waitFor('release and replacement', async () => {
      const released = await client.get<Pod>(podsRef, 'default', 'orphan');
      const p = await podsOf(client, 'db');
      return !released.metadata.ownerReferences?.length && p.length === 2;
    });
  });
});

test('status counts follow ready pods and minReadySeconds', async () => {
  await withController(async ({ client }) => {
    await client.create<ReplicaSet>(replicaSetsRef, 'default', replicaSet('ready', 2, { minReadySeconds: 1 }));
    const pods = await waitFor('2 pods', async () => {
      const p = await podsOf(client, 'ready');
      return p.length === 2 ? p : undefined;
    });
    for (const pod of pods) await markReady(client, pod);
    const ready = await waitFor('ready 2', async () => {
      const r = await client.get<ReplicaSet>(replicaSetsRef, 'default', 'ready');
      return r.status?.readyReplicas === 2 ? r.status : undefined;
    });
    assert.equal(ready.availableReplicas ?? 0, 0, 'not yet available within minReadySeconds');
    await waitFor('available 2', async () => {
      const r = await client.get<ReplicaSet>(replicaSetsRef, 'default', 'ready');
      return r.status?.availableReplicas === 2;
    }, 5000);
  });
});

test('deletion order and availability helpers', () => {
  const base = (name: string, extra: Partial<Pod>): Pod => ({ metadata: { name, creationTimestamp: '2024-01-01T00:00:00Z' }, ...extra });
  const unscheduled = base('u', { spec: {} });
  const pending = base('p', { spec: { nodeName: 'n' }, status: { phase: 'Pending' } });
  const running = base('r', { spec: { nodeName: 'n' }, status: { phase: 'Running' } });
  const ready = base('rd', { spec: { nodeName: 'n' }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }] } });
  const sorted = [ready, running, pending, unscheduled].sort((a, b) => comparePodsForDeletion(a, b));
  assert.deepEqual(sorted.map((p) => p.metadata.name), ['u', 'p', 'r', 'rd']);
  const older = base('old', { metadata: { name: 'old', creationTimestamp: '2020-01-01T00:00:00Z' } });
  const newer = base('new', { metadata: { name: 'new', creationTimestamp: '2024-01-01T00:00:00Z' } });
  assert.deepEqual([older, newer].sort((a, b) => comparePodsForDeletion(a, b)).map((p) => p.metadata.name), ['new', 'old']);
  assert.equal(isPodAvailable(ready, 10, new Date('2024-01-01T00:00:05Z')), false);
  assert.equal(isPodAvailable(ready, 10, new Date('2024-01-01T00:00:11Z')), true);
  assert.equal(isPodAvailable(ready, 0, new Date('2024-01-01T00:00:00Z')), true);
});
