import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { startTestApi, type TestApi, waitFor as until } from '../client/testing.js';
import { JobController } from './job.js';

const jobs = { apiVersion: 'batch/v1', plural: 'jobs' };
const pods = { apiVersion: 'v1', plural: 'pods' };


function job(name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
    spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox' }] } } },
  };
}

describe('job controller', () => {
  let api: TestApi;
  const stop = new AbortController();
  let running: Promise<void>;
  before(async () => {
    api = await startTestApi();
    running = new JobController({ client: api.clientAs('system:serviceaccount:kube-system:job-controller'), backoffBaseMs: 20 }).run(stop.signal);
  });
  after(async () => {
    stop.abort();
    await running;
    await api.stop();
  });

  const podsOf = async (name: string): Promise<KubeObject[]> =>
    (await api.client.list(pods, 'default', { labelSelector: `batch.kubernetes.io/job-name=${name}` })).items;
  const finish = (pod: KubeObject, phase: 'Succeeded' | 'Failed') =>
    api.client.patch(pods, 'default', pod.metadata.name ?? '', 'merge', { status: { phase } }, { subresource: 'status' });

  it('completes 5 completions with never more than 2 pods active, then reports Complete', async () => {
    await api.client.create(jobs, 'default', job('five', { completions: 5, parallelism: 2 }));
    let maxActive = 0;
    for (let done = 0; done < 5;) {
      const live = await until('a running pod', async () => {
        const list = (await podsOf('five')).filter((p) => (p.status as { phase?: string } | undefined)?.phase === 'Pending');
        return list.length ? list : undefined;
      });
      maxActive = Math.max(maxActive, live.length);
      await finish(live[0]!, 'Succeeded');
      done++;
    }
    const finished = await until('Complete', async () => {
      const j = await api.client.get(jobs, 'default', 'five');
      const conditions = ((j.status as { conditions?: Array<{ type: string; status: string; reason?: string }> }).conditions ?? []);
      return conditions.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
    });
    const status = finished.status as Record<string, unknown>;
    assert.ok(maxActive <= 2, `at most 2 active, saw ${maxActive}`);
    assert.equal(status.succeeded, 5);
    assert.equal(status.active, 0);
    assert.ok(typeof status.completionTime === 'string');
    const types = (status.conditions as Array<{ type: string; reason: string }>).map((c) => `${c.type}/${c.reason}`);
    assert.deepEqual(types, ['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached']);
    assert.equal((await podsOf('five')).length, 5, 'exactly 5 pods ran');
    const owner = (await podsOf('five'))[0]!.metadata.ownerReferences?.[0];
    assert.deepEqual({ kind: owner?.kind, controller: owner?.controller, uid: owner?.uid }, { kind: 'Job', controller: true, uid: finished.metadata.uid });
  });

  it('fails with BackoffLimitExceeded after backoffLimit + 1 failed pods', async () => {
    await api.client.create(jobs, 'default', job('flaky', { backoffLimit: 2 }));
    for (let failed = 0; failed < 3; failed++) {
      const pod = await until('a new pod', async () => (await podsOf('flaky')).find((p) => (p.status as { phase?: string }).phase === 'Pending'));
      await finish(pod, 'Failed');
    }
    const j = await until('Failed', async () => {
      const current = await api.client.get(jobs, 'default', 'flaky');
      return ((current.status as { conditions?: Array<{ type: string; status: string }> }).conditions ?? []).some((c) => c.type === 'Failed' && c.status === 'True') ? current : undefined;
    });
    const failedCondition = (j.status as { conditions: Array<{ type: string; reason: string; message: string }> }).conditions.find((c) => c.type === 'Failed');
    assert.equal(failedCondition?.reason, 'BackoffLimitExceeded');
    assert.equal(failedCondition?.message, 'Job has reached the specified backoff limit');
    assert.equal((j.status as { failed: number }).failed, 3);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await podsOf('flaky')).length, 3, 'no pod after the limit');
  });

  it('runs one pod per index of an Indexed Job and reports completedIndexes', async () => {
    await api.client.create(jobs, 'default', job('indexed', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    const list = await until('3 pods', async () => {
      const l = await podsOf('indexed');
      return l.length === 3 ? l : undefined;
    });
    const indexes = list.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']).sort();
    assert.deepEqual(indexes, ['0', '1', '2']);
    assert.ok(list.every((p) => p.metadata.name?.startsWith(`indexed-${p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']}-`)));
    for (const pod of list) await finish(pod, 'Succeeded');
    const done = await until('Complete', async () => {
      const j = await api.client.get(jobs, 'default', 'indexed');
      return (j.status as { completedIndexes?: string }).completedIndexes === '0-2' && ((j.status as { conditions?: Array<{ type: string }> }).conditions ?? []).some((c) => c.type === 'Complete') ? j : undefined;
    });
    assert.equal((done.status as { succeeded: number }).succeeded, 3);
  });

  it('suspending a Job deletes its active pods and sets Suspended', async () => {
    await api.client.create(jobs, 'default', job('pausable', { parallelism: 2, completions: 4 }));
    await until('2 pods', async () => (await podsOf('pausable')).length === 2);
    await api.client.patch(jobs, 'default', 'pausable', 'merge', { spec: { suspend: true } });
    const j = await until('Suspended', async () => {
      const current = await api.client.get(jobs, 'default', 'pausable');
      return ((current.status as { conditions?: Array<{ type: string; status: string }> }).conditions ?? []).some((c) => c.type === 'Suspended' && c.status === 'True') ? current : undefined;
    });
    assert.equal((j.status as { active: number }).active, 0);
    await until('pods deleted', async () => (await podsOf('pausable')).every((p) => p.metadata.deletionTimestamp) || (await podsOf('pausable')).length === 0);
  });
});
