import type { KubeObject } from '../api/types.js';
import { EventRecorder, Informer, type Client } from '../client/index.js';
import {
  completionIndexAnnotation, conditionsOf, formatIndexes, hasCondition, isControlledBy, isFinished, num, obj, parseIndexes,
  podIndex, podPhase, podReady, podRestarts, setCondition, type JobCondition, type Obj,
} from './job-status.js';
import { WorkQueue } from './queue.js';
import { kubeTime as time } from '../api/time.js';

const jobsRef = { apiVersion: 'batch/v1', plural: 'jobs' };
const podsRef = { apiVersion: 'v1', plural: 'pods' };

export interface JobControllerOptions {
  client: Client;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  workers?: number;
  /** First back-off after a failed pod (kube: 10 s), doubling up to backoffMaxMs (6 min). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  now?: () => Date;
}

const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
const terminal = (pod: KubeObject): boolean => podPhase(pod) === 'Succeeded' || podPhase(pod) === 'Failed';

/**
 * The Job controller: runs pods until `completions` succeed (or each index of an Indexed
 * Job does), at most `parallelism` at a time, backing off after failures; fails the Job
 * past backoffLimit or activeDeadlineSeconds; honours suspend and ttlSecondsAfterFinished.
 */
export class JobController {
  private readonly jobs: Informer;
  private readonly pods: Informer;
  private readonly queue = new WorkQueue();
  private readonly events: EventRecorder;
  /** Pods created but not yet seen by the pod informer, per Job (so a burst of syncs does not create twice). */
  private readonly inflight = new Map<string, Map<string, KubeObject>>();
  private readonly now: () => Date;

  constructor(private readonly options: JobControllerOptions) {
    this.jobs = new Informer(options.client, jobsRef, undefined, { log: options.log });
    this.pods = new Informer(options.client, podsRef, undefined, { log: options.log });
    this.events = new EventRecorder(options.client, 'job-controller', '', options.now, options.log);
    this.now = options.now ?? (() => new Date());
  }

  async run(signal: AbortSignal): Promise<void> {
    this.jobs.on({ add: (j) => this.queue.add(keyOf(j)), update: (_o, j) => this.queue.add(keyOf(j)) });
    const podChanged = (pod: KubeObject): void => {
      const owner = (pod.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === 'Job');
      if (!owner) return;
      const key = `${pod.metadata.namespace ?? ''}/${owner.name}`;
      this.inflight.get(key)?.delete(pod.metadata.name ?? '');
      this.queue.add(key);
    };
    this.pods.on({ add: podChanged, update: (_o, p) => podChanged(p), delete: podChanged });
    const informers = Promise.all([this.jobs.run(signal), this.pods.run(signal)]);
    await Promise.all([this.jobs.synced(), this.pods.synced()]);
    await Promise.all([informers, this.queue.run(this.options.workers ?? 2, (key) => this.sync(key), signal, this.options.log)]);
  }

  private ownedPods(job: KubeObject): KubeObject[] {
    const seen = this.pods.list(job.metadata.namespace).filter((p) => isControlledBy(p, job));
    const names = new Set(seen.map((p) => p.metadata.name));
    const pending = [...(this.inflight.get(keyOf(job))?.values() ?? [])].filter((p) => !names.has(p.metadata.name));
    return [...seen, ...pending];
  }

  async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const job = this.jobs.get(namespace, name);
    if (!job || job.metadata.deletionTimestamp) {
      this.inflight.delete(key);
      return;
    }
    const now = this.now();
    const pods = this.ownedPods(job);
    const active = pods.filter((p) => !terminal(p) && !p.metadata.deletionTimestamp);
    if (isFinished(job)) return this.finished(job, active, now);

    const spec = obj(job.spec);
    const status = obj(job.status);
    const parallelism = num(spec.parallelism, 1);
    const completions = typeof spec.completions === 'number' ? spec.completions : undefined;
    const indexed = spec.completionMode === 'Indexed';
    const succeededPods = pods.filter((p) => podPhase(p) === 'Succeeded');
    const failedPods = pods.filter((p) => podPhase(p) === 'Failed');
    const restarts = spec.template && obj(obj(spec.template).spec).restartPolicy === 'OnFailure' ? pods.reduce((n, p) => n + podRestarts(p), 0) : 0;
    const succeeded = Math.max(num(status.succeeded, 0), succeededPods.length);
    const failed = Math.max(num(status.failed, 0), failedPods.length + restarts);
    let conditions = conditionsOf(job);
    const stamp = time(now);
    let startTime = typeof status.startTime === 'string' ? status.startTime : undefined;

    if (spec.suspend === true) {
      await this.deletePods(job, active);
      conditions = setCondition(conditions, { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }, stamp);
      if (!hasCondition(job, 'Suspended')) void this.events.record(job, 'Normal', 'Suspended', 'Job suspended');
      return this.writeStatus(job, { ...status, active: 0, ready: 0, succeeded, failed, conditions });
    }
    if (hasCondition(job, 'Suspended')) {
      conditions = setCondition(conditions, { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' }, stamp);
      startTime = stamp;
      void this.events.record(job, 'Normal', 'Resumed', 'Job resumed');
    }
    startTime ??= stamp;

    const completedIndexes = parseIndexes(status.completedIndexes);
    for (const pod of succeededPods) {
      const index = podIndex(pod);
      if (index !== undefined) completedIndexes.add(index);
    }
    const deadline = typeof spec.activeDeadlineSeconds === 'number' ? spec.activeDeadlineSeconds * 1000 : undefined;
    const elapsed = now.getTime() - Date.parse(startTime);
    let failure: { reason: string; message: string } | undefined;
    if (failed > num(spec.backoffLimit, 6)) failure = { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    else if (deadline !== undefined && elapsed >= deadline) failure = { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    const complete = indexed
      ? completions !== undefined && completedIndexes.size >= completions
      : completions !== undefined ? succeeded >= completions : succeeded > 0 && active.length === 0;

    const next: Obj = { ...status, startTime, succeeded, failed, conditions };
    if (indexed) next.completedIndexes = formatIndexes(completedIndexes);
    if (failure) {
      await this.deletePods(job, active);
      next.conditions = finishConditions(conditions, 'FailureTarget', 'Failed', failure, stamp);
      Object.assign(next, { active: 0, ready: 0 });
      void this.events.record(job, 'Warning', failure.reason, failure.message);
      return this.writeStatus(job, next);
    }
    if (complete) {
      await this.deletePods(job, active);
      const reached = { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
      next.conditions = finishConditions(conditions, 'SuccessCriteriaMet', 'Complete', reached, stamp);
      Object.assign(next, { active: 0, ready: 0, completionTime: stamp });
      void this.events.record(job, 'Normal', 'Completed', 'Job completed');
      return this.writeStatus(job, next);
    }

    const surplusNames = new Set<string>();
    const missing = indexed ? Array.from({ length: completions ?? 0 }, (_, i) => i).filter((i) => !completedIndexes.has(i) && !active.some((p) => podIndex(p) === i)) : [];
    const want = indexed
      ? Math.min(parallelism, active.length + missing.length)
      : completions === undefined ? (succeeded > 0 ? 0 : parallelism) : Math.min(parallelism, completions - succeeded);
    if (active.length > want) {
      const surplus = [...active].sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '')).slice(0, active.length - want);
      await this.deletePods(job, surplus);
      for (const p of surplus) surplusNames.add(p.metadata.name ?? '');
    } else if (active.length < want) {
      const wait = this.backoffRemaining(failedPods, failed, now);
      if (wait > 0) this.queue.addAfter(key, wait);
      else await this.createPods(job, want - active.length, missing);
    }
    if (deadline !== undefined) this.queue.addAfter(key, Math.max(1, deadline - elapsed));
    // Counted again: pods were created or deleted above.
    const current = this.ownedPods(job).filter((p) => !terminal(p) && !p.metadata.deletionTimestamp && !surplusNames.has(p.metadata.name ?? ''));
    Object.assign(next, { active: current.length, ready: current.filter(podReady).length });
    await this.writeStatus(job, next);
  }

  /** Milliseconds until the next pod may start after failures (10 s, 20 s, 40 s … up to 6 min). */
  private backoffRemaining(failedPods: KubeObject[], failures: number, now: Date): number {
    if (failures === 0 || failedPods.length === 0) return 0;
    const base = this.options.backoffBaseMs ?? 10_000;
    const delay = Math.min(this.options.backoffMaxMs ?? 360_000, base * 2 ** (failures - 1));
    const last = Math.max(...failedPods.map(finishedAt));
    return Math.max(0, last + delay - now.getTime());
  }

  private async createPods(job: KubeObject, count: number, indexes: number[]): Promise<void> {
    const key = keyOf(job);
    const inflight = this.inflight.get(key) ?? new Map<string, KubeObject>();
    this.inflight.set(key, inflight);
    for (let i = 0; i < count; i++) {
      const pod = podFromTemplate(job, indexes[i]);
      const created = await this.options.client.create(podsRef, job.metadata.namespace, pod);
      inflight.set(created.metadata.name ?? '', created);
      void this.events.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name ?? ''}`);
    }
  }

  private async deletePods(job: KubeObject, pods: KubeObject[]): Promise<void> {
    for (const pod of pods) {
      try {
        await this.options.client.delete(podsRef, pod.metadata.namespace, pod.metadata.name ?? '');
        void this.events.record(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name ?? ''}`);
      } catch (error: unknown) {
        if ((error as { code?: number }).code !== 404) throw error;
      }
    }
  }

  /** A finished Job: stray pods go; ttlSecondsAfterFinished deletes the Job itself. */
  private async finished(job: KubeObject, active: KubeObject[], now: Date): Promise<void> {
    await this.deletePods(job, active);
    const ttl = obj(job.spec).ttlSecondsAfterFinished;
    if (typeof ttl !== 'number') return;
    const done = conditionsOf(job).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    const finishedAt = Date.parse(String(obj(job.status).completionTime ?? done?.lastTransitionTime ?? ''));
    if (!Number.isFinite(finishedAt)) return;
    const remaining = finishedAt + ttl * 1000 - now.getTime();
    if (remaining > 0) {
      this.queue.addAfter(keyOf(job), remaining);
      return;
    }
    try {
      await this.options.client.delete(jobsRef, job.metadata.namespace, job.metadata.name ?? '', { propagationPolicy: 'Background', preconditions: { uid: job.metadata.uid } });
    } catch (error: unknown) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
  }

  private async writeStatus(job: KubeObject, status: Obj): Promise<void> {
    if (JSON.stringify(status) === JSON.stringify(obj(job.status))) return;
    await this.options.client.update(jobsRef, { ...job, status }, { subresource: 'status' });
  }
}

/** Both the interim condition (FailureTarget / SuccessCriteriaMet) and the final one, as kube 1.31+ writes them. */
function finishConditions(conditions: JobCondition[], interim: string, final: string, why: { reason: string; message: string }, now: string): JobCondition[] {
  const withInterim = setCondition(conditions, { type: interim, status: 'True', ...why }, now);
  return setCondition(withInterim, { type: final, status: 'True', ...why }, now);
}

function finishedAt(pod: KubeObject): number {
  const statuses = obj(pod.status).containerStatuses;
  let latest = Date.parse(String(pod.metadata.creationTimestamp ?? ''));
  for (const s of Array.isArray(statuses) ? statuses : []) {
    const at = Date.parse(String(obj(obj(obj(s).state).terminated).finishedAt ?? ''));
    if (Number.isFinite(at)) latest = Math.max(latest, at);
  }
  return Number.isFinite(latest) ? latest : 0;
}

/** A pod of the Job from its template: owner reference, labels, and for Indexed Jobs the index. */
function podFromTemplate(job: KubeObject, index: number | undefined): KubeObject {
  const template = structuredClone(obj(obj(job.spec).template));
  const metadata = obj(template.metadata);
  const name = job.metadata.name ?? '';
  const labels: Record<string, string> = { ...(metadata.labels as Record<string, string> | undefined) };
  const annotations: Record<string, string> = { ...(metadata.annotations as Record<string, string> | undefined) };
  const spec = obj(template.spec);
  if (index !== undefined) {
    labels[completionIndexAnnotation] = String(index);
    annotations[completionIndexAnnotation] = String(index);
    if (spec.subdomain) spec.hostname = `${name}-${index}`;
    for (const list of ['containers', 'initContainers']) {
      for (const container of Array.isArray(spec[list]) ? (spec[list] as Obj[]) : []) {
        const env = Array.isArray(container.env) ? container.env : [];
        container.env = [...env, { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.labels['${completionIndexAnnotation}']` } } }];
      }
    }
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
      namespace: job.metadata.namespace,
      labels,
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid: job.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    spec,
  };
}
