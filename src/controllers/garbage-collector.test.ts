import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../api/index.js';
import type { KubeObject, OwnerReference } from '../api/types.js';
import type { Client, ResourceRef } from '../client/index.js';
import { startTestApi, type TestApi } from '../client/testing.js';
import { GarbageCollector } from './garbage-collector.js';

const configMaps: ResourceRef = { apiVersion: 'v1', plural: 'configmaps' };
const pods: ResourceRef = { apiVersion: 'v1', plural: 'pods' };
const replicaSets: ResourceRef = { apiVersion: 'apps/v1', plural: 'replicasets' };
const clusterRoles: ResourceRef = { apiVersion: 'rbac.authorization.k8s.io/v1', plural: 'clusterroles' };
const ns = 'default';

interface Harness {
  api: TestApi;
  client: Client;
  gc: GarbageCollector;
}

/** Starts an API (with GC finalizers unless told otherwise) and a running garbage collector. */
async function withGc(body: (h: Harness) => Promise<void>, options: { garbageCollector?: boolean } = {}): Promise<void> {
  const api = await startTestApi({ garbageCollector: options.garbageCollector ?? true });
  const stop = new AbortController();
  const gc = new GarbageCollector({ client: api.client, resources, resyncMs: 300, informerRetryMs: 50 });
  const running = gc.run(stop.signal);
  try {
    await until(() => gc.hasSynced(), 'garbage collector synced');
    await body({ api, client: api.client, gc });
  } finally {
    stop.abort();
    await running;
    await api.stop();
  }
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for: ${what}`);
}

async function exists(client: Client, ref: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
  try {
    return await client.get(ref, namespace, name);
  } catch (error: unknown) {
    if (typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === 404) return undefined;
    throw error;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function ownerRef(owner: KubeObject, extra: Partial<OwnerReference> = {}): OwnerReference {
  return { apiVersion: owner.apiVersion ?? 'v1', kind: owner.kind ?? '', name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', ...extra };
}

async function configMap(client: Client, name: string, owners: OwnerReference[] = [], finalizers?: string[]): Promise<KubeObject> {
  const metadata: KubeObject['metadata'] = { name };
  if (owners.length) metadata.ownerReferences = owners;
  if (finalizers) metadata.finalizers = finalizers;
  return client.create(configMaps, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { name } });
}

test('deleting a ReplicaSet collects the pods it owns (background)', async () => {
  await withGc(async ({ client }) => {
    const rs = await client.create<KubeObject>(replicaSets, ns, {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web' },
      spec: { replicas: 0, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    for (const name of ['web-a', 'web-b', 'web-c']) {
      await client.create(pods, ns, {
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name, labels: { app: 'web' }, ownerReferences: [ownerRef(rs, { controller: true, blockOwnerDeletion: true })] },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      });
    }
    const bystander = await client.create<KubeObject>(pods, ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'lone' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    await client.delete(replicaSets, ns, 'web', { propagationPolicy: 'Background' });
    await until(async () => (await client.list(pods, ns)).items.length === 1, 'owned pods collected');
    assert.equal((await client.list(pods, ns)).items[0]?.metadata.uid, bystander.metadata.uid);
  });
});

test('deleting a ConfigMap collects the ConfigMaps it owns', async () => {
  await withGc(async ({ client }) => {
    const owner = await configMap(client, 'owner');
    for (const name of ['dep-1', 'dep-2']) await configMap(client, name, [ownerRef(owner)]);
    await configMap(client, 'unrelated');
    await client.delete(configMaps, ns, 'owner');
    await until(async () => !(await exists(client, configMaps, ns, 'dep-1')) && !(await exists(client, configMaps, ns, 'dep-2')), 'dependents collected');
    assert.ok(await exists(client, configMaps, ns, 'unrelated'));
  });
});

test('a dependent with two owners survives the deletion of one and loses that reference', async () => {
  await withGc(async ({ client }) => {
    const a = await configMap(client, 'owner-a');
    const b = await configMap(client, 'owner-b');
    await configMap(client, 'shared', [ownerRef(a), ownerRef(b)]);
    await client.delete(configMaps, ns, 'owner-a');
    await until(async () => ((await exists(client, configMaps, ns, 'shared'))?.metadata.ownerReferences ?? []).length === 1, 'dangling reference removed');
    const shared = await exists(client, configMaps, ns, 'shared');
    assert.deepEqual(shared?.metadata.ownerReferences?.map((r) => r.uid), [b.metadata.uid]);
    await sleep(400); // a resync later it is still there
    assert.ok(await exists(client, configMaps, ns, 'shared'));
    // Once the last owner goes, so does the dependent.
    await client.delete(configMaps, ns, 'owner-b');
    await until(async () => !(await exists(client, configMaps, ns, 'shared')), 'dependent collected with its last owner');
  });
});

test('orphan deletion: dependents stay without the reference, the owner goes', async () => {
  await withGc(async ({ client }) => {
    const owner = await configMap(client, 'owner');
    const other = await configMap(client, 'other-owner');
    await configMap(client, 'orphan-1', [ownerRef(owner)]);
    await configMap(client, 'orphan-2', [ownerRef(owner, { blockOwnerDeletion: true }), ownerRef(other)]);
    const marked = await client.delete(configMaps, ns, 'owner', { propagationPolicy: 'Orphan' });
    assert.ok(marked.metadata.finalizers?.includes('orphan'), 'the API server adds the orphan finalizer');
    await until(async () => !(await exists(client, configMaps, ns, 'owner')), 'owner removed');
    const one = await exists(client, configMaps, ns, 'orphan-1');
    const two = await exists(client, configMaps, ns, 'orphan-2');
    assert.ok(one && two);
    assert.equal(one.metadata.ownerReferences, undefined);
    assert.deepEqual(two.metadata.ownerReferences?.map((r) => r.uid), [other.metadata.uid]);
    await sleep(400);
    assert.ok(await exists(client, configMaps, ns, 'orphan-1'));
  });
});

test('foreground deletion: blocking dependents go first, then the owner', async () => {
  await withGc(async ({ client }) => {
    const owner = await configMap(client, 'owner');
    // One dependent is held by a finalizer of someone else, so the owner must wait for it.
    await configMap(client, 'held', [ownerRef(owner, { blockOwnerDeletion: true })], ['example.com/hold']);
    await configMap(client, 'plain', [ownerRef(owner, { blockOwnerDeletion: true })]);
    const marked = await client.delete(configMaps, ns, 'owner', { propagationPolicy: 'Foreground' });
    assert.ok(marked.metadata.deletionTimestamp);
    assert.ok(marked.metadata.finalizers?.includes('foregroundDeletion'));
    await until(async () => !(await exists(client, configMaps, ns, 'plain')), 'plain dependent deleted');
    await until(async () => Boolean((await exists(client, configMaps, ns, 'held'))?.metadata.deletionTimestamp), 'held dependent marked for deletion');
    await sleep(400);
    const waiting = await exists(client, configMaps, ns, 'owner');
    assert.ok(waiting, 'the owner waits for its blocking dependent');
    assert.deepEqual(waiting.metadata.finalizers, ['foregroundDeletion']);
    await client.patch(configMaps, ns, 'held', 'merge', { metadata: { finalizers: null } });
    await until(async () => !(await exists(client, configMaps, ns, 'owner')), 'owner removed once its dependents are gone');
    assert.equal(await exists(client, configMaps, ns, 'held'), undefined);
  });
});

test('foreground deletion waits for a chain: the dependent with dependents is deleted in the foreground too', async () => {
  await withGc(async ({ client }) => {
    const a = await configMap(client, 'a');
    const b = await configMap(client, 'b', [ownerRef(a, { blockOwnerDeletion: true })]);
    await configMap(client, 'c', [ownerRef(b, { blockOwnerDeletion: true })], ['example.com/hold']);
    await client.delete(configMaps, ns, 'a', { propagationPolicy: 'Foreground' });
    await until(async () => Boolean((await exists(client, configMaps, ns, 'c'))?.metadata.deletionTimestamp), 'grandchild marked for deletion');
    const middle = await exists(client, configMaps, ns, 'b');
    assert.ok(middle?.metadata.deletionTimestamp, 'the middle dependent is deleting');
    assert.deepEqual(middle.metadata.finalizers, ['foregroundDeletion']);
    assert.equal(middle.metadata.ownerReferences?.[0]?.blockOwnerDeletion, true);
    await sleep(400);
    assert.ok(await exists(client, configMaps, ns, 'a'), 'the top owner waits for the chain');
    await client.patch(configMaps, ns, 'c', 'merge', { metadata: { finalizers: null } });
    await until(async () => !(await exists(client, configMaps, ns, 'a')), 'the whole chain is gone');
    assert.equal(await exists(client, configMaps, ns, 'b'), undefined);
  });
});

test('foreground deletion does not wait for non-blocking dependents (finalizer added by hand, no GC support in the API)', async () => {
  await withGc(async ({ client }) => {
    const owner = await configMap(client, 'owner', [], ['foregroundDeletion']);
    await configMap(client, 'loose', [ownerRef(owner)], ['example.com/hold']);
    await client.delete(configMaps, ns, 'owner');
    await until(async () => !(await exists(client, configMaps, ns, 'owner')), 'owner removed');
    await until(async () => Boolean((await exists(client, configMaps, ns, 'loose'))?.metadata.deletionTimestamp), 'non-blocking dependent deleted');
    await client.patch(configMaps, ns, 'loose', 'merge', { metadata: { finalizers: null } });
    await until(async () => !(await exists(client, configMaps, ns, 'loose')), 'dependent gone');
  }, { garbageCollector: false });
});

test('orphan finalizer added by hand is processed without GC support in the API', async () => {
  await withGc(async ({ client }) => {
    const owner = await configMap(client, 'owner', [], ['orphan']);
    await configMap(client, 'kept', [ownerRef(owner)]);
    await client.delete(configMaps, ns, 'owner');
    await until(async () => !(await exists(client, configMaps, ns, 'owner')), 'owner removed');
    const kept = await exists(client, configMaps, ns, 'kept');
    assert.ok(kept);
    assert.equal(kept.metadata.ownerReferences, undefined);
  }, { garbageCollector: false });
});

test('a dependent whose owner uid does not exist is collected', async () => {
  await withGc(async ({ client }) => {
    await configMap(client, 'ghost-owned', [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: '00000000-0000-0000-0000-000000000000' }]);
    // An owner with the right name but another uid does not count either.
    const impostor = await configMap(client, 'impostor');
    await configMap(client, 'wrong-uid', [{ ...ownerRef(impostor), uid: '11111111-1111-1111-1111-111111111111' }]);
    await until(async () => !(await exists(client, configMaps, ns, 'ghost-owned')) && !(await exists(client, configMaps, ns, 'wrong-uid')), 'dependents of missing owners collected');
    assert.ok(await exists(client, configMaps, ns, 'impostor'));
  });
});

test('a dependent whose owner was replaced by a namesake is collected', async () => {
  await withGc(async ({ client }) => {
    const first = await configMap(client, 'owner');
    await configMap(client, 'dep', [ownerRef(first)]);
    await client.delete(configMaps, ns, 'owner');
    await configMap(client, 'owner');
    await until(async () => !(await exists(client, configMaps, ns, 'dep')), 'dependent collected');
    assert.ok(await exists(client, configMaps, ns, 'owner'));
  });
});

test('a cluster-scoped owner keeps namespaced dependents alive until it is deleted', async () => {
  await withGc(async ({ client }) => {
    const role = await client.create<KubeObject>(clusterRoles, undefined, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'gc-owner' }, rules: [] });
    await configMap(client, 'role-owned', [ownerRef(role)]);
    await sleep(400);
    assert.ok(await exists(client, configMaps, ns, 'role-owned'), 'a live cluster-scoped owner is found without a namespace');
    await client.delete(clusterRoles, undefined, 'gc-owner');
    await until(async () => !(await exists(client, configMaps, ns, 'role-owned')), 'dependent of the cluster-scoped owner collected');
  });
});

test('an owner reference of an unknown kind is left alone', async () => {
  await withGc(async ({ client }) => {
    await configMap(client, 'mystery', [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: '22222222-2222-2222-2222-222222222222' }]);
    await sleep(400);
    assert.ok(await exists(client, configMaps, ns, 'mystery'));
  });
});
