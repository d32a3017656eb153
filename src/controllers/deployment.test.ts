import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi, waitFor } from '../client/testing.js';
import type { Client } from '../client/index.js';
import { DeploymentController, deploymentsRef, type Deployment } from './deployment.js';
import { ReplicaSetController, isPodReady, podsRef, replicaSetsRef, type Pod, type ReplicaSet } from './replicaset.js';
import { computeHash, equalIgnoreHash, podTemplateHashLabel } from './pod-template-hash.js';
import { maxSurge, maxUnavailable, resolveFenceposts } from './deployment-util.js';
import { controllerOf } from './owners.js';

const eventsRef = { apiVersion: 'v1', plural: 'events' };


function deployment(name: string, replicas: number, extra: Record<string, unknown> = {}, image = 'nginx:1'): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
      ...extra,
    },
  };
}

async function markReady(client: Client, pod: Pod): Promise<void> {
  const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await client.patch(podsRef, pod.metadata.namespace, pod.metadata.name ?? '', 'merge', {
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: time }] },
  }, { subresource: 'status' });
}

async function livePods(client: Client, app: string): Promise<Pod[]> {
  const list = await client.list<Pod>(podsRef, 'default', { labelSelector: `app=${app}` });
  return list.items.filter((p) => !p.metadata.deletionTimestamp);
}

async function replicaSetsOf(client: Client, app: string): Promise<ReplicaSet[]> {
  return (await client.list<ReplicaSet>(replicaSetsRef, 'default', { labelSelector: `app=${app}` })).items;
}

/** A PATCH retried on conflicts (the controllers write the same Deployment meanwhile). */
async function patchDeployment(client: Client, name: string, type: 'merge' | 'json', patch: unknown): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.patch(deploymentsRef, 'default', name, type, patch);
      return;
    } catch (error: unknown) {
      if ((error as { code?: unknown }).code !== 409 || attempt >= 10) throw error;
      // The store can briefly report a conflict while a write is pending: wait a moment.
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function getDeployment(client: Client, name: string): Promise<Deployment> {
  return client.get<Deployment>(deploymentsRef, 'default', name);
}

/** Marks every pod of `app` ready as it appears (a stand-in for scheduler and kubelet). */
function autoReady(client: Client, app: string, signal: AbortSignal): Promise<void> {
  return (async () => {
    while (!signal.aborted) {
      try {
        for (const pod of await livePods(client, app)) if (!isPodReady(pod)) await markReady(client, pod).catch(() => undefined);
      } catch {
        // The API may be stopping.
      }
      await new Promise((r) => setTimeout(r, 15));
    }
  })();
}

async function withControllers(fn: (api: TestApi) => Promise<void>): Promise<void> {
  const api = await startTestApi();
  const abort = new AbortController();
  const rsc = new ReplicaSetController({ client: api.client, workers: 2 });
  const dc = new DeploymentController({ client: api.client, workers: 2 });
  const running = [rsc.run(abort.signal), dc.run(abort.signal)];
  try {
    await fn(api);
  } finally {
    abort.abort();
    await Promise.all(running);
    await api.stop();
  }
}

function condition(d: Deployment, type: string) {
  return d.status?.conditions?.find((c) => c.type === type);
}

test('pod-template-hash is stable, ignores the hash label and depends on collisionCount', () => {
  const template = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'x' }] } };
  const hash = computeHash(template);
  assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.equal(computeHash(structuredClone(template)), hash);
  assert.equal(computeHash({ spec: template.spec, metadata: { labels: { app: 'a', [podTemplateHashLabel]: hash } } }), hash);
  assert.notEqual(computeHash(template, 1), hash);
  assert.notEqual(computeHash({ ...template, spec: { containers: [{ name: 'c', image: 'y' }] } }), hash);
  assert.ok(equalIgnoreHash(template, { ...template, metadata: { labels: { app: 'a', [podTemplateHashLabel]: 'zzz' } } }));
});

test('maxSurge rounds up and maxUnavailable rounds down', () => {
  assert.deepEqual(resolveFenceposts('25%', '25%', 3), { surge: 1, unavailable: 0 });
  assert.deepEqual(resolveFenceposts(0, 0, 3), { surge: 0, unavailable: 1 });
  assert.deepEqual(resolveFenceposts('50%', '50%', 5), { surge: 3, unavailable: 2 });
  const d = deployment('x', 10, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '15%', maxUnavailable: '15%' } } });
  assert.equal(maxSurge(d), 2);
  assert.equal(maxUnavailable(d), 1);
  assert.equal(maxSurge(deployment('x', 10, { strategy: { type: 'Recreate' } })), 0);
});

test('creates a ReplicaSet with pod-template-hash, scales it, and reports conditions', async () => {
  await withControllers(async ({ client }) => {
    const created = await client.create<Deployment>(deploymentsRef, 'default', deployment('web', 3));
    const rs = await waitFor('a replica set', async () => (await replicaSetsOf(client, 'web'))[0]);
    const hash = rs.metadata.labels?.[podTemplateHashLabel];
    assert.ok(hash);
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.deepEqual(rs.spec?.selector, { matchLabels: { app: 'web', [podTemplateHashLabel]: hash } });
    assert.equal(rs.spec?.template?.metadata?.labels?.[podTemplateHashLabel], hash);
    assert.equal(rs.spec?.replicas, 3);
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '4');
    const owner = controllerOf(rs);
    assert.deepEqual(owner, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true });

    // Not available yet: pods are not ready.
    const pending = await waitFor('status with 3 replicas', async () => {
      const d = await getDeployment(client, 'web');
      return d.status?.replicas === 3 && condition(d, 'Available') ? d : undefined;
    });
    assert.equal(condition(pending, 'Available')?.status, 'False');
    assert.equal(condition(pending, 'Available')?.reason, 'MinimumReplicasUnavailable');
    assert.equal(condition(pending, 'Available')?.message, 'Deployment does not have minimum availability.');
    assert.equal(condition(pending, 'Progressing')?.status, 'True');
    assert.ok(['NewReplicaSetCreated', 'ReplicaSetUpdated'].includes(condition(pending, 'Progressing')?.reason ?? ''));
    assert.equal(pending.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');

    const pods = await waitFor('3 pods', async () => {
      const p = await livePods(client, 'web');
      return p.length === 3 ? p : undefined;
    });
    for (const pod of pods) {
      assert.equal(pod.metadata.labels?.[podTemplateHashLabel], hash);
      await markReady(client, pod);
    }
    const done = await waitFor('complete', async () => {
      const d = await getDeployment(client, 'web');
      return condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' && d.status?.availableReplicas === 3 ? d : undefined;
    });
    assert.deepEqual(
      { replicas: done.status?.replicas, updated: done.status?.updatedReplicas, ready: done.status?.readyReplicas, available: done.status?.availableReplicas, unavailable: done.status?.unavailableReplicas ?? 0, observed: done.status?.observedGeneration },
      { replicas: 3, updated: 3, ready: 3, available: 3, unavailable: 0, observed: done.metadata.generation },
    );
    assert.equal(condition(done, 'Available')?.status, 'True');
    assert.equal(condition(done, 'Available')?.reason, 'MinimumReplicasAvailable');
    assert.equal(condition(done, 'Available')?.message, 'Deployment has minimum availability.');
    assert.equal(condition(done, 'Progressing')?.message, `ReplicaSet "web-${hash}" has successfully progressed.`);

    // Scaling changes the same ReplicaSet.
    await patchDeployment(client, 'web', 'merge', { spec: { replicas: 5 } });
    await waitFor('scaled to 5', async () => {
      const list = await replicaSetsOf(client, 'web');
      return list.length === 1 && list[0]!.spec?.replicas === 5 && list[0]!.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'] === '5';
    });
    await waitFor('5 pods', async () => (await livePods(client, 'web')).length === 5);
    const events = await waitFor('scaling events', async () => {
      const list = await client.list(eventsRef, 'default');
      const messages = list.items.filter((e) => e.reason === 'ScalingReplicaSet').map((e) => String(e.message));
      return messages.length >= 2 ? messages : undefined;
    });
    assert.ok(events.includes(`Scaled up replica set web-${hash} to 3`), events.join('\n'));
    assert.ok(events.includes(`Scaled up replica set web-${hash} to 5 from 3`), events.join('\n'));
  });
});

test('a rolling update with maxUnavailable 0 and maxSurge 1 never drops below replicas available', async () => {
  await withControllers(async ({ client }) => {
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    await client.create<Deployment>(deploymentsRef, 'default', deployment('roll', 3, { strategy }));
    const abort = new AbortController();
    const ready = autoReady(client, 'roll', abort.signal);
    try {
      const first = await waitFor('first rollout complete', async () => {
        const d = await getDeployment(client, 'roll');
        return condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' && d.status?.availableReplicas === 3 ? d : undefined;
      });
      assert.equal(condition(first, 'Available')?.status, 'True');
      const [oldRS] = await replicaSetsOf(client, 'roll');

      await patchDeployment(client, 'roll', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } });
      let minReady = Number.POSITIVE_INFINITY;
      let maxTotal = 0;
      const done = await waitFor('second rollout complete', async () => {
        const pods = await livePods(client, 'roll');
        minReady = Math.min(minReady, pods.filter(isPodReady).length);
        maxTotal = Math.max(maxTotal, pods.length);
        const d = await getDeployment(client, 'roll');
        const complete = d.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2' && d.status?.observedGeneration === d.metadata.generation && condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' && d.status?.updatedReplicas === 3 && d.status.replicas === 3 && d.status.availableReplicas === 3;
        return complete ? d : undefined;
      }, 15_000);
      assert.ok(minReady >= 3, `ready pods dropped to ${minReady}`);
      assert.ok(maxTotal <= 4, `pods surged to ${maxTotal}`);
      const sets = await replicaSetsOf(client, 'roll');
      const newRS = sets.find((rs) => rs.metadata.uid !== oldRS!.metadata.uid)!;
      assert.equal(newRS.spec?.replicas, 3);
      assert.equal(newRS.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
      assert.equal(sets.find((rs) => rs.metadata.uid === oldRS!.metadata.uid)?.spec?.replicas, 0);
      assert.equal(condition(done, 'Progressing')?.message, `ReplicaSet "${newRS.metadata.name ?? ''}" has successfully progressed.`);
      assert.equal(condition(done, 'Available')?.status, 'True');
      const messages = (await client.list(eventsRef, 'default')).items.filter((e) => e.reason === 'ScalingReplicaSet').map((e) => String(e.message));
      assert.ok(messages.includes(`Scaled down replica set ${oldRS!.metadata.name ?? ''} to 2 from 3`), messages.join('\n'));
    } finally {
      abort.abort();
      await ready;
    }
  });
});

test('Recreate scales the old ReplicaSet to 0 before the new one comes up', async () => {
  await withControllers(async ({ client }) => {
    await client.create<Deployment>(deploymentsRef, 'default', deployment('rec', 2, { strategy: { type: 'Recreate' } }));
    const abort = new AbortController();
    const ready = autoReady(client, 'rec', abort.signal);
    try {
      await waitFor('first rollout', async () => {
        const d = await getDeployment(client, 'rec');
        return d.status?.availableReplicas === 2 && condition(d, 'Available')?.status === 'True';
      });
      await patchDeployment(client, 'rec', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } });
      let overlap = false;
      await waitFor('second rollout', async () => {
        const sets = await replicaSetsOf(client, 'rec');
        const pods = await livePods(client, 'rec');
        const hashes = new Set(pods.map((p) => p.metadata.labels?.[podTemplateHashLabel]));
        if (hashes.size > 1) overlap = true;
        if (sets.filter((rs) => (rs.spec?.replicas ?? 0) > 0).length > 1) overlap = true;
        const d = await getDeployment(client, 'rec');
        return sets.length === 2 && d.status?.observedGeneration === d.metadata.generation && d.status?.updatedReplicas === 2 && d.status.availableReplicas === 2 && condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable';
      }, 15_000);
      assert.equal(overlap, false, 'old and new pods ran at the same time');
    } finally {
      abort.abort();
      await ready;
    }
  });
});

test('an old template reuses its old ReplicaSet and bumps its revision (rollback)', async () => {
  await withControllers(async ({ client }) => {
    await client.create<Deployment>(deploymentsRef, 'default', deployment('undo', 2));
    const abort = new AbortController();
    const ready = autoReady(client, 'undo', abort.signal);
    try {
      const first = await waitFor('rs 1', async () => (await replicaSetsOf(client, 'undo'))[0]);
      await patchDeployment(client, 'undo', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } });
      await waitFor('revision 2 complete', async () => {
        const d = await getDeployment(client, 'undo');
        return d.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2' && d.status?.observedGeneration === d.metadata.generation && d.status?.updatedReplicas === 2 && condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' && d.status.replicas === 2;
      }, 15_000);
      // What `kubectl rollout undo` does: copy the old ReplicaSet's template, minus the hash label.
      const old = await client.get<ReplicaSet>(replicaSetsRef, 'default', first.metadata.name ?? '');
      const template = structuredClone(old.spec?.template ?? {});
      delete template.metadata?.labels?.[podTemplateHashLabel];
      await patchDeployment(client, 'undo', 'json', [{ op: 'replace', path: '/spec/template', value: template }]);
      const rolledBack = await waitFor('revision 3 on the old replica set', async () => {
        const rs = await client.get<ReplicaSet>(replicaSetsRef, 'default', first.metadata.name ?? '');
        return rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === '3' && rs.spec?.replicas === 2 ? rs : undefined;
      }, 15_000);
      assert.equal(rolledBack.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
      await waitFor('rollback complete', async () => {
        const d = await getDeployment(client, 'undo');
        return d.metadata.annotations?.['deployment.kubernetes.io/revision'] === '3' && condition(d, 'Progressing')?.message === `ReplicaSet "${first.metadata.name ?? ''}" has successfully progressed.`;
      }, 15_000);
      assert.equal((await replicaSetsOf(client, 'undo')).length, 2, 'no third replica set');
    } finally {
      abort.abort();
      await ready;
    }
  });
});

test('revisionHistoryLimit removes old zero-size ReplicaSets; paused deployments do not roll out', async () => {
  await withControllers(async ({ client }) => {
    await client.create<Deployment>(deploymentsRef, 'default', deployment('hist', 1, { revisionHistoryLimit: 1 }));
    const abort = new AbortController();
    const ready = autoReady(client, 'hist', abort.signal);
    try {
      for (const image of ['nginx:2', 'nginx:3', 'nginx:4']) {
        await patchDeployment(client, 'hist', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } });
        await waitFor(`${image} complete`, async () => {
          const d = await getDeployment(client, 'hist');
          return d.status?.observedGeneration === d.metadata.generation && condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' && d.status?.replicas === 1;
        }, 15_000);
      }
      await waitFor('at most 2 replica sets', async () => (await replicaSetsOf(client, 'hist')).length === 2);

      await patchDeployment(client, 'hist', 'merge', { spec: { paused: true } });
      const paused = await waitFor('paused condition', async () => {
        const d = await getDeployment(client, 'hist');
        return condition(d, 'Progressing')?.reason === 'DeploymentPaused' ? d : undefined;
      });
      assert.equal(condition(paused, 'Progressing')?.status, 'Unknown');
      assert.equal(condition(paused, 'Progressing')?.message, 'Deployment is paused');
      await patchDeployment(client, 'hist', 'merge', { spec: { replicas: 2, template: { spec: { containers: [{ name: 'c', image: 'nginx:5' }] } } } });
      await waitFor('paused scaling', async () => {
        const sets = await replicaSetsOf(client, 'hist');
        return sets.some((rs) => rs.spec?.replicas === 2);
      });
      await new Promise((r) => setTimeout(r, 200));
      const image = (rs: ReplicaSet): unknown => (rs.spec?.template?.spec?.containers as Array<{ image?: string }> | undefined)?.[0]?.image;
      assert.ok(!(await replicaSetsOf(client, 'hist')).some((rs) => image(rs) === 'nginx:5'), 'no rollout while paused');
      await patchDeployment(client, 'hist', 'merge', { spec: { paused: false } });
      await waitFor('resumed rollout', async () => {
        const d = await getDeployment(client, 'hist');
        return d.metadata.annotations?.['deployment.kubernetes.io/revision'] === '5' && d.status?.observedGeneration === d.metadata.generation && condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' && d.status?.updatedReplicas === 2;
      }, 15_000);
    } finally {
      abort.abort();
      await ready;
    }
  });
});

test('a rollout that makes no progress reports ProgressDeadlineExceeded', async () => {
  await withControllers(async ({ client }) => {
    await client.create<Deployment>(deploymentsRef, 'default', deployment('stuck', 1, { progressDeadlineSeconds: 1 }));
    const d = await waitFor('deadline exceeded', async () => {
      const x = await getDeployment(client, 'stuck');
      return condition(x, 'Progressing')?.reason === 'ProgressDeadlineExceeded' ? x : undefined;
    }, 8000);
    const rs = (await replicaSetsOf(client, 'stuck'))[0]!;
    assert.equal(condition(d, 'Progressing')?.status, 'False');
    assert.equal(condition(d, 'Progressing')?.message, `ReplicaSet "${rs.metadata.name ?? ''}" has timed out progressing.`);
    assert.equal(condition(d, 'Available')?.status, 'False');
  });
});
