import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/index.js';
import { startTestApi, type TestApi, waitFor } from '../client/testing.js';
import { DisruptionController, pdbsRef } from './disruption.js';
import { disruptedPodMap, expectedAndDesired, scaledValue, type PodDisruptionBudget } from './disruption-status.js';
import { podsRef, replicaSetsRef, type Pod } from './replicaset.js';


async function withController(run: (api: TestApi, client: Client) => Promise<void>): Promise<void> {
  const api = await startTestApi();
  const stop = new AbortController();
  const controller = new DisruptionController({ client: api.clientAs('system:kube-controller-manager') });
  const running = controller.run(stop.signal);
  try {
    await run(api, api.client);
  } finally {
    stop.abort();
    await running;
    await api.stop();
  }
}

/** A pod as a kubelet reports it: Running and Ready (or not). */
async function runningPod(client: Client, name: string, ready = true, owner?: KubeObject): Promise<void> {
  const ownerReferences = owner ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true }] : undefined;
  const created = await client.create<Pod>(podsRef, 'default', {
    metadata: { name, labels: { app: 'web' }, ownerReferences },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] },
  });
  await client.update<Pod>(podsRef, { ...created, status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }, { subresource: 'status' });
}

const budget = (name: string, spec: Record<string, unknown>): PodDisruptionBudget => ({ metadata: { name }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } });

async function statusOf(client: Client, name: string, wanted: (s: NonNullable<PodDisruptionBudget['status']>) => boolean): Promise<NonNullable<PodDisruptionBudget['status']>> {
  return waitFor(`status of ${name}`, async () => {
    const status = (await client.get<PodDisruptionBudget>(pdbsRef, 'default', name)).status;
    return status && wanted(status) ? status : undefined;
  });
}

test('percentages round up; maxUnavailable subtracts from the scale', () => {
  assert.equal(scaledValue('50%', 3, true), 2);
  assert.equal(scaledValue(1, 3, true), 1);
  assert.throws(() => scaledValue('x%', 3, true));
  assert.deepEqual(expectedAndDesired(budget('b', { maxUnavailable: 1 }), 2, 5), { expectedPods: 5, desiredHealthy: 4 });
  assert.deepEqual(expectedAndDesired(budget('b', { minAvailable: 2 }), 3, 9), { expectedPods: 3, desiredHealthy: 2 });
  assert.deepEqual(expectedAndDesired(budget('b', { minAvailable: '50%' }), 3, 4), { expectedPods: 4, desiredHealthy: 2 });
});

test('disruptedPods drops pods that are gone, deleting, or evicted over two minutes ago', () => {
  const now = new Date('2026-01-01T00:10:00Z');
  const pdb = budget('b', {});
  pdb.status = { disruptedPods: { kept: '2026-01-01T00:09:30Z', old: '2026-01-01T00:07:00Z', gone: '2026-01-01T00:09:30Z', deleting: '2026-01-01T00:09:30Z' } };
  const pods: Pod[] = [{ metadata: { name: 'kept' } }, { metadata: { name: 'old' } }, { metadata: { name: 'deleting', deletionTimestamp: '2026-01-01T00:09:31Z' } }];
  const { disrupted, recheckAt } = disruptedPodMap(pods, pdb, now);
  assert.deepEqual(disrupted, { kept: '2026-01-01T00:09:30Z' });
  assert.equal(recheckAt, Date.parse('2026-01-01T00:11:30Z'));
});

test('minAvailable: counts healthy pods and allows the surplus, with the DisruptionAllowed condition', async () => {
  await withController(async (_api, client) => {
    await runningPod(client, 'a');
    await runningPod(client, 'b');
    await runningPod(client, 'c', false);
    await client.create(pdbsRef, 'default', budget('web', { minAvailable: 1 }));
    const status = await statusOf(client, 'web', (s) => s.currentHealthy === 2);
    assert.equal(status.expectedPods, 3);
    assert.equal(status.desiredHealthy, 1);
    assert.equal(status.disruptionsAllowed, 1);
    assert.equal(status.observedGeneration, 1);
    assert.deepEqual(status.conditions?.map((c) => [c.type, c.status, c.reason]), [['DisruptionAllowed', 'True', 'SufficientPods']]);
    // Tightening the budget is observed with the new generation.
    const current = await client.get<PodDisruptionBudget>(pdbsRef, 'default', 'web');
    await client.update(pdbsRef, { ...current, spec: { ...current.spec, minAvailable: 2 } });
    const tight = await statusOf(client, 'web', (s) => s.observedGeneration === 2);
    assert.equal(tight.disruptionsAllowed, 0);
    assert.equal(tight.conditions?.[0].reason, 'InsufficientPods');
  });
});

test('maxUnavailable: expected pods come from the owning ReplicaSet\'s replicas', async () => {
  await withController(async (_api, client) => {
    const rs = await client.create(replicaSetsRef, 'default', {
      metadata: { name: 'web' },
      spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    for (const name of ['a', 'b', 'c']) await runningPod(client, name, true, rs);
    await client.create(pdbsRef, 'default', budget('web', { maxUnavailable: 1 }));
    const status = await statusOf(client, 'web', (s) => s.currentHealthy === 3);
    assert.equal(status.expectedPods, 4);
    assert.equal(status.desiredHealthy, 3);
    assert.equal(status.disruptionsAllowed, 0);
  });
});

test('an eviction\'s record in disruptedPods is pruned once the pod is gone, and the budget recovers', async () => {
  await withController(async (_api, client) => {
    for (const name of ['a', 'b', 'c']) await runningPod(client, name);
    await client.create(pdbsRef, 'default', budget('web', { minAvailable: 1 }));
    await statusOf(client, 'web', (s) => s.disruptionsAllowed === 2);
    const current = await client.get<PodDisruptionBudget>(pdbsRef, 'default', 'web');
    // What the eviction API writes before deleting a pod.
    await client.update(pdbsRef, { ...current, status: { ...current.status, disruptionsAllowed: 1, disruptedPods: { a: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') } } }, { subresource: 'status' });
    const held = await statusOf(client, 'web', (s) => s.currentHealthy === 2);
    assert.ok(held.disruptedPods?.a, 'a counts as disrupted while it still exists');
    assert.equal(held.disruptionsAllowed, 1);
    await client.delete(podsRef, 'default', 'a', { gracePeriodSeconds: 0 });
    const after = await statusOf(client, 'web', (s) => s.disruptedPods === undefined && s.expectedPods === 2);
    assert.equal(after.currentHealthy, 2);
    assert.equal(after.disruptionsAllowed, 1);
  });
});
