import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { startTestApi, type TestApi, waitFor as until } from '../client/testing.js';
import { CronJobController, scheduleTimes } from './cronjob.js';

const cronJobs = { apiVersion: 'batch/v1', plural: 'cronjobs' };
const jobs = { apiVersion: 'batch/v1', plural: 'jobs' };


const cronJob = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name },
  spec: { ...spec, jobTemplate: { metadata: { labels: { app: name } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'tick', image: 'busybox' }] } } } } },
});

describe('cronjob controller (time driven by the test)', () => {
  let api: TestApi;
  let now = new Date('2026-01-01T00:00:30Z');
  const stop = new AbortController();
  let controller: CronJobController;
  let running: Promise<void>;
  before(async () => {
    api = await startTestApi({ now: () => now });
    controller = new CronJobController({ client: api.clientAs('system:serviceaccount:kube-system:cronjob-controller'), now: () => now });
    running = controller.run(stop.signal);
  });
  after(async () => {
    stop.abort();
    await running;
    await api.stop();
  });
  const jobsOf = async (name: string) => (await api.client.list(jobs, 'default', { labelSelector: `app=${name}` })).items;
  const advance = (to: string): void => {
    now = new Date(to);
    controller.resync();
  };

  it('schedule times: latest in (since, now] and the next one, in a time zone', () => {
    const t = scheduleTimes('*/5 * * * *', undefined, new Date('2026-01-01T00:00:30Z'), new Date('2026-01-01T00:12:00Z'));
    assert.equal(t.latest?.toISOString(), '2026-01-01T00:10:00.000Z');
    assert.equal(t.next?.toISOString(), '2026-01-01T00:15:00.000Z');
    assert.equal(scheduleTimes('*/5 * * * *', undefined, new Date('2026-01-01T00:10:00Z'), new Date('2026-01-01T00:12:00Z')).latest, undefined);
    const berlin = scheduleTimes('0 9 * * *', 'Europe/Berlin', new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T09:00:00Z'));
    assert.equal(berlin.latest?.toISOString(), '2026-01-01T08:00:00.000Z');
    assert.equal(scheduleTimes('@every 90s', undefined, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:04:00Z')).latest?.toISOString(), '2026-01-01T00:03:00.000Z');
  });

  it('creates a Job per schedule time, named after the minute, and records lastScheduleTime', async () => {
    await api.client.create(cronJobs, 'default', cronJob('tick', { schedule: '*/5 * * * *' }));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await jobsOf('tick')).length, 0, 'nothing before the first schedule time');
    advance('2026-01-01T00:05:10Z');
    const [job] = await until('the first job', async () => { const l = await jobsOf('tick'); return l.length === 1 ? l : undefined; });
    assert.equal(job!.metadata.name, `tick-${Date.parse('2026-01-01T00:05:00Z') / 60000}`);
    assert.equal(job!.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-01-01T00:05:00Z');
    assert.equal(job!.metadata.ownerReferences?.[0]?.kind, 'CronJob');
    const cj = await until('status', async () => { const c = await api.client.get(cronJobs, 'default', 'tick'); return (c.status as { lastScheduleTime?: string } | undefined)?.lastScheduleTime ? c : undefined; });
    assert.equal((cj.status as { lastScheduleTime: string }).lastScheduleTime, '2026-01-01T00:05:00Z');
    assert.equal((cj.status as { active: unknown[] }).active.length, 1);
    advance('2026-01-01T00:10:05Z');
    await until('the second job', async () => (await jobsOf('tick')).length === 2);
  });

  it('Forbid skips a run while the previous Job is active; a finished Job is seen and history is pruned', async () => {
    await api.client.create(cronJobs, 'default', cronJob('solo', { schedule: '*/5 * * * *', concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 1 }));
    advance('2026-01-01T00:15:05Z');
    const [first] = await until('first', async () => { const l = await jobsOf('solo'); return l.length === 1 ? l : undefined; });
    advance('2026-01-01T00:20:05Z');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal((await jobsOf('solo')).length, 1, 'Forbid: no second job while the first runs');
    await api.client.update(jobs, { ...first!, status: { conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: '2026-01-01T00:20:06Z' }], completionTime: '2026-01-01T00:20:06Z' } }, { subresource: 'status' });
    advance('2026-01-01T00:25:05Z');
    await until('second job', async () => (await jobsOf('solo')).some((j) => j.metadata.name === `solo-${Date.parse('2026-01-01T00:25:00Z') / 60000}`));
    const cj = await until('lastSuccessfulTime', async () => { const c = await api.client.get(cronJobs, 'default', 'solo'); return (c.status as { lastSuccessfulTime?: string }).lastSuccessfulTime ? c : undefined; });
    assert.equal((cj.status as { lastSuccessfulTime: string }).lastSuccessfulTime, '2026-01-01T00:20:06Z');
  });

  it('a suspended CronJob creates nothing', async () => {
    await api.client.create(cronJobs, 'default', cronJob('paused', { schedule: '* * * * *', suspend: true }));
    advance('2026-01-01T00:40:05Z');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal((await jobsOf('paused')).length, 0);
  });
});
