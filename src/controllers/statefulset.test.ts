import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { startTestApi, waitFor } from '../client/testing.js';
import type { Client } from '../client/index.js';
import { StatefulSetController, statefulSetsRef, type StatefulSet } from './statefulset.js';
import { claimsRef, podsRef } from './statefulset-control.js';
import { parentAndOrdinal, type PersistentVolumeClaim, type Pod } from './statefulset-util.js';
import { controllerRevisionsRef, type ControllerRevision } from './controller-revision.js';
import { Scheduler } from '../scheduler/index.js';
import { SimulatedNodes } from '../simulated/index.js';
import { LocalPathProvisioner } from './local-path-provisioner.js';
import { PersistentVolumeController } from './persistent-volume.js';

const eventsRef = { apiVersion: 'v1', plural: 'events' };


/** Pod watch events in resourceVersion order, to check what happened before what. */
interface Seen {
  type: string;
  name: string;
  ready: boolean;
  terminating: boolean;
  revision: string;
  uid: string;
}

interface Cluster {
  client: Client;
  seen: Seen[];
}

const isReady = (pod: Pod): boolean => pod.status?.phase === 'Running' && (pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);

/** Simulated nodes, the scheduler, the controller and a pod watch; all stop when the test ends. */
async function cluster(t: TestContext, startDelayMs = 30): Promise<Cluster> {
  // Loaded dynamically: only the controller is bound by the controllers layering rule.
  const api = await startTestApi();
  const abort = new AbortController();
  setMaxListeners(64, abort.signal);
  const sim = new SimulatedNodes({ client: api.clientAs('system:node'), count: 3, startDelayMs });
  const running: Array<Promise<void>> = [];
  t.after(async () => {
    abort.abort();
    await Promise.allSettled(running);
    await sim.run(abort.signal);
    await api.stop();
  });
  await sim.start(abort.signal);
  const seen: Seen[] = [];
  const list = await api.client.list<Pod>(podsRef, 'default');
  running.push((async () => {
    try {
      for await (const event of api.client.watch<Pod>(podsRef, 'default', { resourceVersion: list.resourceVersion }, abort.signal)) {
        const pod = event.object;
        seen.push({ type: event.type, name: pod.metadata.name ?? '', ready: isReady(pod), terminating: Boolean(pod.metadata.deletionTimestamp), revision: pod.metadata.labels?.['controller-revision-hash'] ?? '', uid: pod.metadata.uid ?? '' });
      }
    } catch {
      // The watch ends with the test.
    }
  })());
  running.push(new Scheduler({ client: api.clientAs('scheduler') }).run(abort.signal));
  // Claims bind (the scheduler waits for that) through the PV controller and a simulated provisioner.
  running.push(new PersistentVolumeController({ client: api.clientAs('pv') }).run(abort.signal));
  running.push(new LocalPathProvisioner({ client: api.clientAs('provisioner'), storageDir: '/nonexistent', simulated: true }).run(abort.signal));
  running.push(new StatefulSetController({ client: api.clientAs('statefulset-controller') }).run(abort.signal));
  return { client: api.client, seen };
}

function statefulSet(name: string, replicas: number, extra: Partial<NonNullable<StatefulSet['spec']>> = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'db:1' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...extra,
    },
  };
}

async function livePods(client: Client, app: string): Promise<Pod[]> {
  const list = await client.list<Pod>(podsRef, 'default', { labelSelector: `app=${app}` });
  return list.items.filter((p) => !p.metadata.deletionTimestamp).sort((a, b) => parentAndOrdinal(a).ordinal - parentAndOrdinal(b).ordinal);
}

const names = (pods: Pod[]): string[] => pods.map((p) => p.metadata.name ?? '');
const image = (pod: Pod | undefined): string | undefined => (pod?.spec?.containers as Array<{ image: string }> | undefined)?.[0]?.image;

async function readyPods(client: Client, app: string, expected: string[], timeoutMs = 10_000): Promise<Pod[]> {
  return waitFor(`ready ${expected.join(', ')}`, async () => {
    const pods = await livePods(client, app);
    return JSON.stringify(names(pods)) === JSON.stringify(expected) && pods.every(isReady) && pods;
  }, timeoutMs);
}

async function setStatus(client: Client, name: string, done: (s: NonNullable<StatefulSet['status']>) => boolean): Promise<NonNullable<StatefulSet['status']>> {
  return waitFor(`status of ${name}`, async () => {
    const set = await client.get<StatefulSet>(statefulSetsRef, 'default', name);
    return set.status && set.status.observedGeneration === set.metadata.generation && done(set.status) && set.status;
  });
}

/** Read-modify-write retried while the controller's status writes conflict. */
async function mutate(client: Client, name: string, change: (set: StatefulSet) => void): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const set = await client.get<StatefulSet>(statefulSetsRef, 'default', name);
    change(set);
    try {
      await client.update(statefulSetsRef, set);
      return;
    } catch (error: unknown) {
      if ((error as { code?: unknown }).code !== 409 || attempt >= 20) throw error;
      // The store can briefly report a conflict while a write is pending: wait a moment.
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

test('OrderedReady: creates web-0, web-1, web-2 in order, each after the previous is Ready, each with its own claim', async (t) => {
  const { client, seen } = await cluster(t);
  await client.create(statefulSetsRef, 'default', statefulSet('web', 3));
  const pods = await readyPods(client, 'web', ['web-0', 'web-1', 'web-2']);

  // In watch order: each pod is created only after its predecessor was seen Running and Ready.
  for (const [previous, next] of [['web-0', 'web-1'], ['web-1', 'web-2']] as const) {
    const created = seen.findIndex((e) => e.type === 'ADDED' && e.name === next);
    const ready = seen.findIndex((e) => e.name === previous && e.ready);
    assert.ok(created > 0 && ready >= 0 && ready < created, `${next} created (event ${created}) only after ${previous} was ready (event ${ready})`);
  }
  for (const [ordinal, pod] of pods.entries()) {
    const name = `web-${ordinal}`;
    assert.equal(pod.metadata.labels?.['statefulset.kubernetes.io/pod-name'], name);
    assert.equal(pod.metadata.labels?.['apps.kubernetes.io/pod-index'], String(ordinal));
    assert.ok(pod.metadata.labels?.['controller-revision-hash']?.startsWith('web-'));
    assert.equal(pod.spec?.hostname, name);
    assert.equal(pod.spec?.subdomain, 'web');
    assert.deepEqual(pod.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim, { claimName: `data-${name}` });
    assert.equal(pod.metadata.ownerReferences?.[0]?.kind, 'StatefulSet');
  }
  const claims = (await client.list<PersistentVolumeClaim>(claimsRef, 'default')).items;
  assert.deepEqual(claims.map((c) => c.metadata.name).sort(), ['data-web-0', 'data-web-1', 'data-web-2']);
  // Retain (the default): claims carry the selector's labels and no owner.
  for (const claim of claims) {
    assert.equal(claim.metadata.labels?.app, 'web');
    assert.equal(claim.metadata.ownerReferences, undefined);
  }

  const status = await setStatus(client, 'web', (s) => s.readyReplicas === 3 && s.availableReplicas === 3);
  assert.equal(status.replicas, 3);
  assert.equal(status.currentReplicas, 3);
  assert.equal(status.updatedReplicas, 3);
  assert.equal(status.currentRevision, status.updateRevision);
  assert.equal(status.currentRevision, pods[0]?.metadata.labels?.['controller-revision-hash']);
  const revisions = (await client.list<ControllerRevision>(controllerRevisionsRef, 'default')).items;
  assert.deepEqual(revisions.map((r) => [r.metadata.name, r.revision]), [[status.currentRevision, 1]]);

  const messages = await waitFor('events', async () => {
    const list = await client.list(eventsRef, 'default');
    const texts = list.items.filter((e) => e.reason === 'SuccessfulCreate').map((e) => String(e.message));
    return texts.length >= 6 && texts;
  });
  assert.ok(messages.includes('create Pod web-0 in StatefulSet web successful'));
  assert.ok(messages.includes('create Claim data-web-0 Pod web-0 in StatefulSet web success'));
  assert.ok(messages.includes('create Claim data-web-2 Pod web-2 in StatefulSet web success'));
});

test('a deleted pod comes back with the same claim; scale down removes the highest ordinal first', async (t) => {
  const { client, seen } = await cluster(t);
  await client.create(statefulSetsRef, 'default', statefulSet('web', 3));
  const before = await readyPods(client, 'web', ['web-0', 'web-1', 'web-2']);
  const claimBefore = await client.get<PersistentVolumeClaim>(claimsRef, 'default', 'data-web-1');

  await client.delete(podsRef, 'default', 'web-1');
  const after = await waitFor('web-1 recreated', async () => {
    const pods = await readyPods(client, 'web', ['web-0', 'web-1', 'web-2']);
    return pods[1]?.metadata.uid !== before[1]?.metadata.uid && pods;
  });
  assert.deepEqual(after[1]?.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim, { claimName: 'data-web-1' });
  const claimAfter = await client.get<PersistentVolumeClaim>(claimsRef, 'default', 'data-web-1');
  assert.equal(claimAfter.metadata.uid, claimBefore.metadata.uid);

  const mark = seen.length;
  await mutate(client, 'web', (set) => {
    set.spec!.replicas = 1;
  });
  await readyPods(client, 'web', ['web-0']);
  await waitFor('web-1 deleted', async () => seen.slice(mark).some((e) => e.type === 'DELETED' && e.name === 'web-1'));
  const deletions = seen.slice(mark).filter((e) => e.type === 'DELETED').map((e) => e.name);
  assert.deepEqual(deletions, ['web-2', 'web-1']);
  // web-1 only started terminating once web-2 was gone.
  const web2Gone = seen.findIndex((e, i) => i >= mark && e.type === 'DELETED' && e.name === 'web-2');
  const web1Terminating = seen.findIndex((e, i) => i >= mark && e.name === 'web-1' && e.terminating);
  assert.ok(web2Gone >= 0 && web2Gone < web1Terminating, 'web-1 is condemned after web-2 is gone');
  // Claims are retained on scale down.
  const claims = (await client.list<PersistentVolumeClaim>(claimsRef, 'default')).items.map((c) => c.metadata.name).sort();
  assert.deepEqual(claims, ['data-web-0', 'data-web-1', 'data-web-2']);
  const status = await setStatus(client, 'web', (s) => s.replicas === 1);
  assert.equal(status.readyReplicas, 1);
});

test('rolling update with a partition updates from the highest ordinal down, then the rest when the partition drops', async (t) => {
  const { client, seen } = await cluster(t);
  await client.create(statefulSetsRef, 'default', statefulSet('web', 3, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }));
  const before = await readyPods(client, 'web', ['web-0', 'web-1', 'web-2']);
  const oldRevision = before[0]?.metadata.labels?.['controller-revision-hash'] ?? '';

  const mark = seen.length;
  await mutate(client, 'web', (set) => {
    set.spec!.template!.spec!.containers = [{ name: 'c', image: 'db:2' }];
  });
  const status = await setStatus(client, 'web', (s) => s.updatedReplicas === 2 && s.readyReplicas === 3);
  const pods = await readyPods(client, 'web', ['web-0', 'web-1', 'web-2']);
  assert.deepEqual(pods.map(image), ['db:1', 'db:2', 'db:2']);
  assert.equal(status.currentRevision, oldRevision);
  assert.notEqual(status.updateRevision, oldRevision);
  assert.equal(status.currentReplicas, 1);
  assert.equal(pods[2]?.metadata.labels?.['controller-revision-hash'], status.updateRevision);
  // web-2 went first, and web-1 was not touched before the new web-2 was ready.
  const order = seen.slice(mark).filter((e) => e.terminating).map((e) => e.name).filter((n, i, all) => all.indexOf(n) === i);
  assert.deepEqual(order, ['web-2', 'web-1']);
  const web2Ready = seen.findIndex((e, i) => i >= mark && e.name === 'web-2' && e.ready && e.revision === status.updateRevision);
  const web1Down = seen.findIndex((e, i) => i >= mark && e.name === 'web-1' && e.terminating);
  assert.ok(web2Ready >= 0 && web2Ready < web1Down);

  // Deleting a pod below the partition brings it back at the current revision.
  const web0 = pods[0]!;
  await client.delete(podsRef, 'default', 'web-0');
  const recreated = await waitFor('web-0 back', async () => {
    const p = await readyPods(client, 'web', ['web-0', 'web-1', 'web-2']);
    return p[0]?.metadata.uid !== web0.metadata.uid && p;
  });
  assert.equal(image(recreated[0]), 'db:1');

  await mutate(client, 'web', (set) => {
    set.spec!.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
  });
  const done = await setStatus(client, 'web', (s) => s.updatedReplicas === 3 && s.readyReplicas === 3 && s.currentRevision === s.updateRevision);
  assert.equal(done.currentReplicas, 3);
  assert.deepEqual((await readyPods(client, 'web', ['web-0', 'web-1', 'web-2'])).map(image), ['db:2', 'db:2', 'db:2']);
  const revisions = (await client.list<ControllerRevision>(controllerRevisionsRef, 'default')).items.map((r) => r.revision).sort();
  assert.deepEqual(revisions, [1, 2]);
});

test('Parallel creates every pod without waiting for readiness', async (t) => {
  const { client, seen } = await cluster(t, 400);
  await client.create(statefulSetsRef, 'default', statefulSet('par', 3, { podManagementPolicy: 'Parallel' }));
  await readyPods(client, 'par', ['par-0', 'par-1', 'par-2']);
  const lastAdded = Math.max(...['par-0', 'par-1', 'par-2'].map((n) => seen.findIndex((e) => e.type === 'ADDED' && e.name === n)));
  const firstReady = seen.findIndex((e) => e.ready);
  assert.ok(lastAdded < firstReady, 'all pods created before any was ready');
});
