import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../api/index.js';
import type { KubeObject } from '../../api/types.js';
import { createMemoryStore } from '../../storage/index.js';
import { StatusError } from '../errors.js';
import { Registry } from './engine.js';
import { evictPod } from './eviction.js';

const find = (plural: string) => {
  const found = resources.find((r) => r.plural === plural);
  if (!found) throw new Error(plural);
  return found;
};
const pods = find('pods');
const pdbs = find('poddisruptionbudgets');
const namespaces = find('namespaces');

async function registry(): Promise<Registry> {
  const r = new Registry({ store: createMemoryStore(), resources, now: () => new Date('2026-01-01T00:00:00Z') });
  await r.create(namespaces, undefined, { metadata: { name: 'default' } });
  return r;
}

/** A pod bound to a node, with the given phase and readiness (as a kubelet would report). */
async function pod(r: Registry, name: string, phase = 'Running', ready = true, labels: Record<string, string> = { app: 'web' }): Promise<void> {
  await r.create(pods, 'default', { metadata: { name, labels }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] } });
  const current = await r.get(pods, 'default', name);
  await r.update(pods, 'default', name, { ...current, status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }, {}, 'status');
}

/** A budget whose status says what the disruption controller would have computed. */
async function budget(r: Registry, name: string, status: Record<string, unknown>, selector: Record<string, unknown> = { matchLabels: { app: 'web' } }): Promise<void> {
  await r.create(pdbs, 'default', { metadata: { name }, spec: { minAvailable: 2, selector } });
  const current = await r.get(pdbs, 'default', name);
  await r.update(pdbs, 'default', name, { ...current, status: { observedGeneration: current.metadata.generation, ...status } }, {}, 'status');
}

const eviction = (name: string): KubeObject => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } });
const evict = (r: Registry, name: string) => evictPod(r, pods, 'default', name, eviction(name), { gracePeriodSeconds: 0 });
const exists = async (r: Registry, name: string): Promise<boolean> => (await r.read(pods, 'default', name)) !== undefined;

describe('pods/eviction', () => {
  it('evicts a pod the budget allows: the pod goes, disruptionsAllowed drops, disruptedPods records it', async () => {
    const r = await registry();
    for (const name of ['a', 'b', 'c']) await pod(r, name);
    await budget(r, 'web', { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 });
    await evict(r, 'a');
    assert.equal(await exists(r, 'a'), false);
    const status = (await r.get(pdbs, 'default', 'web')).status as Record<string, unknown>;
    assert.equal(status.disruptionsAllowed, 0);
    assert.deepEqual(status.disruptedPods, { a: '2026-01-01T00:00:00Z' });
    const conditions = status.conditions as Array<Record<string, unknown>>;
    assert.equal(conditions.find((c) => c.type === 'DisruptionAllowed')?.reason, 'InsufficientPods');
  });

  it('refuses an eviction beyond the budget with 429 and kube\'s message and cause', async () => {
    const r = await registry();
    for (const name of ['a', 'b', 'c']) await pod(r, name);
    await budget(r, 'web', { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 });
    await evict(r, 'a');
    await assert.rejects(evict(r, 'b'), (error: unknown) => {
      assert.ok(error instanceof StatusError);
      const status = error.toStatus();
      assert.equal(status.code, 429);
      assert.equal(status.reason, 'TooManyRequests');
      assert.equal(status.message, "Cannot evict pod as it would violate the pod's disruption budget.");
      assert.deepEqual(status.details?.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 3 currently' }]);
      return true;
    });
    assert.equal(await exists(r, 'b'), true);
  });

  it('refuses while the budget status is older than its spec (observedGeneration < generation)', async () => {
    const r = await registry();
    await pod(r, 'a');
    await budget(r, 'web', { disruptionsAllowed: 5, observedGeneration: 0 });
    await assert.rejects(evict(r, 'a'), (error: unknown) => error instanceof StatusError && error.code === 429);
    assert.equal(await exists(r, 'a'), true);
  });

  it('evicts pods that are not Running regardless of the budget', async () => {
    const r = await registry();
    await pod(r, 'pending', 'Pending', false);
    await pod(r, 'done', 'Succeeded', false);
    await budget(r, 'web', { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 2, expectedPods: 2 });
    await evict(r, 'pending');
    await evict(r, 'done');
    assert.equal(await exists(r, 'pending'), false);
    assert.equal(await exists(r, 'done'), false);
    assert.equal(((await r.get(pdbs, 'default', 'web')).status as Record<string, unknown>).disruptionsAllowed, 0);
  });

  it('deletes a pod no budget covers, and 404s for a missing pod', async () => {
    const r = await registry();
    await pod(r, 'lonely', 'Running', true, { app: 'other' });
    await budget(r, 'web', { disruptionsAllowed: 0 });
    await evict(r, 'lonely');
    assert.equal(await exists(r, 'lonely'), false);
    await assert.rejects(evict(r, 'missing'), (error: unknown) => error instanceof StatusError && error.code === 404);
  });

  it('answers 500 when more than one budget covers the pod', async () => {
    const r = await registry();
    await pod(r, 'a');
    await budget(r, 'one', { disruptionsAllowed: 1 });
    await budget(r, 'two', { disruptionsAllowed: 1 }, { matchExpressions: [{ key: 'app', operator: 'Exists' }] });
    await assert.rejects(evict(r, 'a'), (error: unknown) => error instanceof StatusError && error.code === 500 &&
      error.message === 'Internal error occurred: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  });

  it('refuses a body naming another pod, and a dry run changes nothing', async () => {
    const r = await registry();
    await pod(r, 'a');
    await budget(r, 'web', { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2 });
    await assert.rejects(evictPod(r, pods, 'default', 'a', eviction('b'), {}), (error: unknown) => error instanceof StatusError && error.code === 400);
    await evictPod(r, pods, 'default', 'a', eviction('a'), { dryRun: true });
    assert.equal(await exists(r, 'a'), true);
    assert.equal(((await r.get(pdbs, 'default', 'web')).status as Record<string, unknown>).disruptionsAllowed, 1);
  });

  it('lets only one of two concurrent evictions spend the last disruption', async () => {
    const r = await registry();
    for (const name of ['a', 'b', 'c']) await pod(r, name);
    await budget(r, 'web', { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2 });
    const results = await Promise.allSettled([evict(r, 'a'), evict(r, 'b')]);
    assert.deepEqual(results.map((x) => x.status).sort(), ['fulfilled', 'rejected']);
  });
});
