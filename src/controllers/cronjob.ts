import { CronExpressionParser } from 'cron-parser';
import type { KubeObject } from '../api/types.js';
import { EventRecorder, Informer, type Client } from '../client/index.js';
import { conditionsOf, isControlledBy, isFinished, num, obj, type Obj } from './job-status.js';
import { WorkQueue } from './queue.js';
import { kubeTime as time } from '../api/time.js';

const cronJobsRef = { apiVersion: 'batch/v1', plural: 'cronjobs' };
const jobsRef = { apiVersion: 'batch/v1', plural: 'jobs' };
const scheduledTimestampAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export interface CronJobControllerOptions {
  client: Client;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  workers?: number;
  /** The clock schedules are read against (tests drive it). */
  now?: () => Date;
}

const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
const everyUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `@every 1h30m` as robfig/cron reads it, in milliseconds. */
function everyInterval(schedule: string): number | undefined {
  const match = /^@every\s+(\S+)$/.exec(schedule.trim());
  if (!match) return undefined;
  let total = 0;
  for (const part of match[1]!.matchAll(/([0-9.]+)(ms|s|m|h)/g)) total += Number(part[1]) * everyUnits[part[2]!]!;
  return total > 0 ? total : undefined;
}

/** The latest scheduled time in (since, now], or undefined; and the next one after now. */
export function scheduleTimes(schedule: string, timeZone: string | undefined, since: Date, now: Date): { latest?: Date; next?: Date } {
  const every = everyInterval(schedule);
  if (every) {
    const steps = Math.floor((now.getTime() - since.getTime()) / every);
    return { latest: steps > 0 ? new Date(since.getTime() + steps * every) : undefined, next: new Date(since.getTime() + (Math.max(steps, 0) + 1) * every) };
  }
  const options = { currentDate: new Date(now.getTime() + 1), tz: timeZone || 'UTC' };
  const previous = CronExpressionParser.parse(schedule, options).prev().toDate();
  const next = CronExpressionParser.parse(schedule, { ...options, currentDate: now }).next().toDate();
  return { latest: previous.getTime() > since.getTime() ? previous : undefined, next };
}

/**
 * The CronJob controller: creates a Job for each schedule time (named `<cronjob>-<minutes
 * since epoch>` like kube's), honours concurrencyPolicy, startingDeadlineSeconds and suspend,
 * keeps status.active/lastScheduleTime/lastSuccessfulTime, and prunes finished Jobs past the
 * history limits.
 */
export class CronJobController {
  private readonly cronJobs: Informer;
  private readonly jobs: Informer;
  private readonly queue = new WorkQueue();
  private readonly events: EventRecorder;
  private readonly now: () => Date;

  constructor(private readonly options: CronJobControllerOptions) {
    this.cronJobs = new Informer(options.client, cronJobsRef, undefined, { log: options.log });
    this.jobs = new Informer(options.client, jobsRef, undefined, { log: options.log });
    this.events = new EventRecorder(options.client, 'cronjob-controller', '', options.now, options.log);
    this.now = options.now ?? (() => new Date());
  }

  async run(signal: AbortSignal): Promise<void> {
    this.cronJobs.on({ add: (c) => this.queue.add(keyOf(c)), update: (_o, c) => this.queue.add(keyOf(c)) });
    const jobChanged = (job: KubeObject): void => {
      const owner = (job.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === 'CronJob');
      if (owner) this.queue.add(`${job.metadata.namespace ?? ''}/${owner.name}`);
    };
    this.jobs.on({ add: jobChanged, update: (_o, j) => jobChanged(j), delete: jobChanged });
    const informers = Promise.all([this.cronJobs.run(signal), this.jobs.run(signal)]);
    await Promise.all([this.cronJobs.synced(), this.jobs.synced()]);
    await Promise.all([informers, this.queue.run(this.options.workers ?? 1, (key) => this.sync(key), signal, this.options.log)]);
  }

  /** Re-reads every CronJob now (tests move the clock, then call this). */
  resync(): void {
    for (const cronJob of this.cronJobs.list()) this.queue.add(keyOf(cronJob));
  }

  async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const cronJob = this.cronJobs.get(namespace, name);
    if (!cronJob || cronJob.metadata.deletionTimestamp) return;
    const now = this.now();
    const spec = obj(cronJob.spec);
    const status: Obj = { ...obj(cronJob.status) };
    const owned = this.jobs.list(namespace).filter((j) => isControlledBy(j, cronJob));
    const active = owned.filter((j) => !isFinished(j));
    for (const job of owned.filter(isFinished)) {
      const complete = conditionsOf(job).find((c) => c.type === 'Complete' && c.status === 'True');
      const finishedAt = String(obj(job.status).completionTime ?? complete?.lastTransitionTime ?? '');
      if (complete && finishedAt && (!status.lastSuccessfulTime || Date.parse(finishedAt) > Date.parse(String(status.lastSuccessfulTime)))) {
        status.lastSuccessfulTime = finishedAt;
        void this.events.record(cronJob, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name ?? ''}, condition: Complete`);
      }
    }
    await this.pruneHistory(cronJob, owned.filter(isFinished));

    let running = active;
    const schedule = typeof spec.schedule === 'string' ? spec.schedule : '';
    const since = new Date(String(status.lastScheduleTime ?? cronJob.metadata.creationTimestamp ?? now.toISOString()));
    let times: { latest?: Date; next?: Date } = {};
    try {
      times = scheduleTimes(schedule, typeof spec.timeZone === 'string' ? spec.timeZone : undefined, since, now);
    } catch (error: unknown) {
      void this.events.record(cronJob, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${schedule}" : ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const deadline = typeof spec.startingDeadlineSeconds === 'number' ? spec.startingDeadlineSeconds * 1000 : undefined;
    const latest = times.latest;
    if (spec.suspend !== true && latest && (deadline === undefined || now.getTime() - latest.getTime() <= deadline)) {
      const jobName = `${name}-${Math.floor(latest.getTime() / 60_000)}`;
      const policy = spec.concurrencyPolicy ?? 'Allow';
      if (policy === 'Forbid' && running.length > 0) {
        void this.events.record(cronJob, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      } else if (!owned.some((j) => j.metadata.name === jobName)) {
        if (policy === 'Replace') {
          for (const job of running) await this.deleteJob(cronJob, job);
          running = [];
        }
        const created = await this.createJob(cronJob, jobName, latest);
        if (created) running = [...running, created];
        status.lastScheduleTime = time(latest);
      }
    } else if (latest && spec.suspend !== true) {
      // Missed beyond startingDeadlineSeconds: skipped, as kube does, but remembered.
      status.lastScheduleTime = time(latest);
    }
    status.active = running.map((j) => ({ apiVersion: 'batch/v1', kind: 'Job', name: j.metadata.name, namespace: j.metadata.namespace, uid: j.metadata.uid, resourceVersion: j.metadata.resourceVersion }));
    if ((status.active as unknown[]).length === 0) delete status.active;
    if (JSON.stringify(status) !== JSON.stringify(obj(cronJob.status))) {
      await this.options.client.update(cronJobsRef, { ...cronJob, status }, { subresource: 'status' });
    }
    if (times.next) this.queue.addAfter(key, Math.max(1, times.next.getTime() - now.getTime()));
  }

  private async createJob(cronJob: KubeObject, name: string, scheduled: Date): Promise<KubeObject | undefined> {
    const template = structuredClone(obj(obj(cronJob.spec).jobTemplate));
    const metadata = obj(template.metadata);
    const job: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: cronJob.metadata.namespace,
        labels: { ...(metadata.labels as Record<string, string> | undefined) },
        annotations: { ...(metadata.annotations as Record<string, string> | undefined), [scheduledTimestampAnnotation]: time(scheduled) },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cronJob.metadata.name ?? '', uid: cronJob.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
      },
      spec: template.spec,
    };
    try {
      const created = await this.options.client.create(jobsRef, cronJob.metadata.namespace, job);
      void this.events.record(cronJob, 'Normal', 'SuccessfulCreate', `Created job ${name}`);
      return created;
    } catch (error: unknown) {
      if ((error as { code?: number }).code === 409) return undefined;
      void this.events.record(cronJob, 'Warning', 'FailedCreate', `Error creating job: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  }

  private async deleteJob(cronJob: KubeObject, job: KubeObject): Promise<void> {
    try {
      await this.options.client.delete(jobsRef, job.metadata.namespace, job.metadata.name ?? '', { propagationPolicy: 'Background' });
      void this.events.record(cronJob, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name ?? ''}`);
    } catch (error: unknown) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
  }

  /** Keeps the newest successfulJobsHistoryLimit complete and failedJobsHistoryLimit failed Jobs. */
  private async pruneHistory(cronJob: KubeObject, finished: KubeObject[]): Promise<void> {
    const spec = obj(cronJob.spec);
    const byStart = (a: KubeObject, b: KubeObject): number => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp));
    const complete = finished.filter((j) => conditionsOf(j).some((c) => c.type === 'Complete' && c.status === 'True')).sort(byStart);
    const failed = finished.filter((j) => conditionsOf(j).some((c) => c.type === 'Failed' && c.status === 'True')).sort(byStart);
    const excess = [...complete.slice(num(spec.successfulJobsHistoryLimit, 3)), ...failed.slice(num(spec.failedJobsHistoryLimit, 1))];
    for (const job of excess) if (!job.metadata.deletionTimestamp) await this.deleteJob(cronJob, job);
  }
}
