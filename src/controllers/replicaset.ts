/**
 * The ReplicaSet controller (kube-controller-manager's replicaset controller): keeps
 * spec.replicas active pods matching the selector, adopting orphans and releasing pods that
 * stopped matching, and reports replicas / fullyLabeledReplicas / readyReplicas /
 * availableReplicas / observedGeneration through the status subresource.
 */
import type { KubeObject, OwnerReference } from '../api/types.js';
import { EventRecorder, Informer, type Client, type ResourceRef } from '../client/index.js';
import { WorkQueue } from './queue.js';
import {
  claimObjects,
  controllerOf,
  errorMessage,
  freshOwnerCheck,
  isConflict,
  isNotFound,
  keyOf,
  newControllerRef,
  selects,
  splitKey,
  statusCode,
  type Log,
} from './owners.js';
import { kubeTime } from '../api/time.js';

export const podsRef: ResourceRef = { apiVersion: 'v1', plural: 'pods' };
export const replicaSetsRef: ResourceRef = { apiVersion: 'apps/v1', plural: 'replicasets' };

/** kube's BurstReplicas: at most this many creations or deletions per sync. */
const burstReplicas = 500;
/** Expectations older than this are ignored (kube's ExpectationsTimeout). */
const expectationsTimeoutMs = 5 * 60 * 1000;

export interface PodCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  [field: string]: unknown;
}

export interface Pod extends KubeObject {
  spec?: { nodeName?: string; [field: string]: unknown };
  status?: {
    phase?: string;
    conditions?: PodCondition[];
    containerStatuses?: Array<{ restartCount?: number; [field: string]: unknown }>;
    [field: string]: unknown;
  };
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[]; [field: string]: unknown };
  spec?: Record<string, unknown>;
}

export interface ReplicaSetCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ReplicaSetStatus {
  replicas?: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaSetCondition[];
}

export interface ReplicaSet extends KubeObject {
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
    template?: PodTemplate;
  };
  status?: ReplicaSetStatus;
}

export interface ReplicaSetControllerOptions {
  client: Client;
  log?: Log;
  /** Concurrent syncs (kube's --concurrent-replicaset-syncs, default 5). */
  workers?: number;
  /** Clock for availability (minReadySeconds); tests may pass their own. */
  now?: () => Date;
}

// ---- Pod helpers (podutil) ----

export function podReadyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** podutil.IsPodAvailable: ready for at least minReadySeconds. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  const ready = podReadyCondition(pod);
  if (ready?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 < now.getTime();
}

/** controller.IsPodActive: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

const phaseRank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * controller.ActivePodsWithRanks.Less: the pods to delete first sort first — unscheduled,
 * then pending/unknown, not ready, lower deletion cost, doubled up on a node, ready for less
 * time, more restarts, newer.
 */
export function comparePodsForDeletion(a: Pod, b: Pod, rankA = 0, rankB = 0): number {
  const nodeA = a.spec?.nodeName ?? '';
  const nodeB = b.spec?.nodeName ?? '';
  if (nodeA !== nodeB && (nodeA === '' || nodeB === '')) return nodeA === '' ? -1 : 1;
  const pa = phaseRank[a.status?.phase ?? 'Pending'] ?? 0;
  const pb = phaseRank[b.status?.phase ?? 'Pending'] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  const costA = deletionCost(a);
  const costB = deletionCost(b);
  if (costA !== costB) return costA - costB;
  if (rankA !== rankB) return rankB - rankA;
  if (ra && rb) {
    const ta = timeOf(podReadyCondition(a)?.lastTransitionTime);
    const tb = timeOf(podReadyCondition(b)?.lastTransitionTime);
    if (ta !== tb) return tb - ta; // ready more recently first
  }
  const restartsA = maxRestarts(a);
  const restartsB = maxRestarts(b);
  if (restartsA !== restartsB) return restartsB - restartsA;
  const ca = timeOf(a.metadata.creationTimestamp);
  const cb = timeOf(b.metadata.creationTimestamp);
  if (ca !== cb) return cb - ca; // newer first
  return (a.metadata.uid ?? '') < (b.metadata.uid ?? '') ? -1 : (a.metadata.uid ?? '') > (b.metadata.uid ?? '') ? 1 : 0;
}

/** Missing timestamps count as "infinitely new" (kube: empty creation time sorts first). */
function timeOf(value: string | undefined): number {
  const t = value ? Date.parse(value) : NaN;
  return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
}

function deletionCost(pod: Pod): number {
  const raw = pod.metadata.annotations?.['controller.kubernetes.io/pod-deletion-cost'];
  const n = raw === undefined ? 0 : Number.parseInt(raw, 10);
  return Number.isFinite(n) ? n : 0;
}

function maxRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((s) => s.restartCount ?? 0));
}

// ---- Expectations (controller.UIDTrackingControllerExpectations, small) ----

interface Expectation {
  adds: number;
  deletes: Set<string>;
  at: number;
}

/** What a controller is still waiting to see in its informer before it syncs again. */
export class Expectations {
  private readonly map = new Map<string, Expectation>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Creations and deletions (by pod key) one sync made, to be seen before the next acts. */
  expect(key: string, adds: number, deletes: string[]): void {
    this.map.set(key, { adds, deletes: new Set(deletes), at: this.now() });
  }

  expectCreations(key: string, count: number): void {
    this.expect(key, count, []);
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.expect(key, 0, podKeys);
  }

  creationObserved(key: string): void {
    const e = this.map.get(key);
    if (e && e.adds > 0) e.adds--;
  }

  deletionObserved(key: string, podKey: string): void {
    this.map.get(key)?.deletes.delete(podKey);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  /** Satisfied when nothing is pending, or the expectation expired. */
  satisfied(key: string): boolean {
    const e = this.map.get(key);
    if (!e) return true;
    if (e.adds <= 0 && e.deletes.size === 0) return true;
    return this.now() - e.at > expectationsTimeoutMs;
  }
}

/**
 * Runs creations in batches of 1, 2, 4, … (kube's slowStartBatch) so a failing template
 * produces one error rather than hundreds. Returns how many succeeded and the first error.
 */
async function slowStartBatch(count: number, fn: () => Promise<void>): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, 1); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, fn));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += results.length - results.filter((r) => r.status === 'rejected').length;
    if (failed) return { successes, error: failed.reason };
    remaining -= batch;
  }
  return { successes };
}

function sameStatus(a: ReplicaSetStatus, b: ReplicaSetStatus): boolean {
  return (
    (a.replicas ?? 0) === (b.replicas ?? 0) &&
    (a.fullyLabeledReplicas ?? 0) === (b.fullyLabeledReplicas ?? 0) &&
    (a.readyReplicas ?? 0) === (b.readyReplicas ?? 0) &&
    (a.availableReplicas ?? 0) === (b.availableReplicas ?? 0) &&
    JSON.stringify(a.conditions ?? []) === JSON.stringify(b.conditions ?? [])
  );
}

export class ReplicaSetController {
  private readonly client: Client;
  private readonly log: Log;
  private readonly workers: number;
  private readonly now: () => Date;
  readonly pods: Informer<Pod>;
  readonly replicaSets: Informer<ReplicaSet>;
  private readonly queue = new WorkQueue();
  readonly expectations: Expectations;
  private readonly events: EventRecorder;

  constructor(options: ReplicaSetControllerOptions) {
    if (!options.client) throw new TypeError('Cannot create replicaset controller: a client is required');
    this.client = options.client;
    this.log = options.log ?? (() => undefined);
    this.workers = options.workers ?? 5;
    this.now = options.now ?? (() => new Date());
    this.expectations = new Expectations(() => this.now().getTime());
    this.events = new EventRecorder(this.client, 'replicaset-controller', '', this.now, this.log);
    this.pods = new Informer<Pod>(this.client, podsRef, undefined, { log: this.log });
    this.replicaSets = new Informer<ReplicaSet>(this.client, replicaSetsRef, undefined, { log: this.log });
    this.replicaSets.on({
      add: (rs) => this.queue.add(keyOf(rs)),
      update: (_old, rs) => this.queue.add(keyOf(rs)),
      delete: (rs) => {
        this.expectations.delete(keyOf(rs));
        this.queue.add(keyOf(rs));
      },
    });
    this.pods.on({
      add: (pod) => this.addPod(pod),
      update: (old, pod) => this.updatePod(old, pod),
      delete: (pod) => this.deletePod(pod),
    });
  }

  /** Runs the informers and workers until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.pods.run(signal), this.replicaSets.run(signal)];
    const synced = Promise.all([this.pods.synced(), this.replicaSets.synced()]);
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([synced, aborted]);
    if (!signal.aborted) await this.queue.run(this.workers, (key) => this.sync(key), signal, this.log);
    await Promise.all(informers);
  }

  // ---- Event handlers ----

  /** The ReplicaSet a controller reference points at, if it is in the cache with that uid. */
  private resolveControllerRef(namespace: string | undefined, ref: OwnerReference): ReplicaSet | undefined {
    if (ref.kind !== 'ReplicaSet' || !ref.apiVersion.startsWith('apps/')) return undefined;
    const rs = this.replicaSets.get(namespace, ref.name);
    return rs && rs.metadata.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets whose selector matches an orphan pod. */
  private replicaSetsSelecting(pod: Pod): ReplicaSet[] {
    return this.replicaSets.list(pod.metadata.namespace).filter((rs) => selects(rs.spec?.selector, pod.metadata.labels));
  }

  private addPod(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) {
      // A restarted controller may see a pod already being deleted: count it as a deletion.
      this.deletePod(pod);
      return;
    }
    const ref = controllerOf(pod);
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata.namespace, ref);
      if (!rs) return;
      const key = keyOf(rs);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    for (const rs of this.replicaSetsSelecting(pod)) this.queue.add(keyOf(rs));
  }

  private updatePod(old: Pod, pod: Pod): void {
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {});
    if (pod.metadata.deletionTimestamp) {
      // Graceful deletion started: the pod no longer counts, and the deletion is observed now.
      this.deletePod(pod);
      if (labelsChanged) this.deletePod(old);
      return;
    }
    const ref = controllerOf(pod);
    const oldRef = controllerOf(old);
    if (oldRef && (!ref || oldRef.uid !== ref.uid)) {
      const oldRs = this.resolveControllerRef(old.metadata.namespace, oldRef);
      if (oldRs) this.queue.add(keyOf(oldRs));
    }
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata.namespace, ref);
      if (!rs) return;
      const key = keyOf(rs);
      this.queue.add(key);
      // A pod that just became ready becomes available after minReadySeconds.
      const minReady = rs.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(pod) && minReady > 0) this.queue.addAfter(key, minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || oldRef) for (const rs of this.replicaSetsSelecting(pod)) this.queue.add(keyOf(rs));
  }

  private deletePod(pod: Pod): void {
    const ref = controllerOf(pod);
    if (!ref) return;
    const rs = this.resolveControllerRef(pod.metadata.namespace, ref);
    if (!rs) return;
    const key = keyOf(rs);
    this.expectations.deletionObserved(key, keyOf(pod));
    this.queue.add(key);
  }

  // ---- Sync ----

  /** syncReplicaSet: one pass over one ReplicaSet. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const rs = this.replicaSets.get(namespace, name);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    const active = this.pods.list(namespace).filter(isPodActive);
    const pods = await claimObjects<Pod>({
      client: this.client,
      ref: podsRef,
      owner: rs,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'ReplicaSet',
      selector: rs.spec?.selector,
      objects: active,
      canAdopt: freshOwnerCheck(this.client, replicaSetsRef, rs),
      log: this.log,
    });

    let manageError: unknown;
    let diff = 0;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      diff = pods.length - (rs.spec?.replicas ?? 1);
      try {
        await this.manageReplicas(pods, rs, key);
      } catch (error: unknown) {
        manageError = error;
      }
    }
    const status = this.calculateStatus(rs, pods, manageError, diff);
    const updated = await this.updateStatus(rs, status);
    if (manageError !== undefined) throw manageError;

    // Ready pods waiting out minReadySeconds: look again when the first becomes available.
    const minReady = rs.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && (updated.status?.readyReplicas ?? 0) > (updated.status?.availableReplicas ?? 0)) {
      const now = this.now().getTime();
      let soonest = Number.POSITIVE_INFINITY;
      for (const pod of pods) {
        const ready = podReadyCondition(pod);
        if (ready?.status !== 'True' || isPodAvailable(pod, minReady, this.now())) continue;
        const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : now;
        soonest = Math.min(soonest, since + minReady * 1000 - now);
      }
      if (Number.isFinite(soonest)) this.queue.addAfter(key, Math.max(0, soonest) + 50);
    }
  }

  private async manageReplicas(pods: Pod[], rs: ReplicaSet, key: string): Promise<void> {
    const wanted = rs.spec?.replicas ?? 1;
    let diff = pods.length - wanted;
    if (diff < 0) {
      diff = Math.min(-diff, burstReplicas);
      this.expectations.expectCreations(key, diff);
      const { successes, error } = await slowStartBatch(diff, () => this.createPod(rs));
      // Creations that were never attempted or failed will not be observed.
      for (let skipped = diff - successes; skipped > 0; skipped--) this.expectations.creationObserved(key);
      if (error !== undefined) throw error;
      return;
    }
    if (diff > 0) {
      diff = Math.min(diff, burstReplicas);
      const victims = this.podsToDelete(pods, rs, diff);
      this.expectations.expectDeletions(key, victims.map(keyOf));
      const results = await Promise.allSettled(victims.map((pod) => this.deletePodOf(rs, pod, key)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  private async createPod(rs: ReplicaSet): Promise<void> {
    const template = rs.spec?.template ?? {};
    const meta = template.metadata ?? {};
    const rsName = rs.metadata.name ?? '';
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rsName}-`,
        namespace: rs.metadata.namespace,
        ...(meta.labels ? { labels: { ...meta.labels } } : {}),
        ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
        ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
        ownerReferences: [newControllerRef(rs, 'apps/v1', 'ReplicaSet')],
      },
      spec: structuredClone(template.spec ?? {}),
    };
    try {
      const created = await this.client.create<Pod>(podsRef, rs.metadata.namespace, pod);
      void this.events.record(this.involved(rs), 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name ?? ''}`);
    } catch (error: unknown) {
      void this.events.record(this.involved(rs), 'Warning', 'FailedCreate', `Error creating: ${errorMessage(error)}`);
      throw error;
    }
  }

  private async deletePodOf(rs: ReplicaSet, pod: Pod, key: string): Promise<void> {
    const podName = pod.metadata.name ?? '';
    try {
      await this.client.delete(podsRef, pod.metadata.namespace, podName, { preconditions: { uid: pod.metadata.uid } });
      void this.events.record(this.involved(rs), 'Normal', 'SuccessfulDelete', `Deleted pod: ${podName}`);
    } catch (error: unknown) {
      // The informer will not report a deletion that did not happen.
      this.expectations.deletionObserved(key, keyOf(pod));
      if (isNotFound(error) || statusCode(error) === 409) return;
      void this.events.record(this.involved(rs), 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(error)}`);
      throw error;
    }
  }

  /** getPodsToDelete: rank pods by how many related pods share their node, then sort. */
  private podsToDelete(pods: Pod[], rs: ReplicaSet, count: number): Pod[] {
    if (count >= pods.length) return pods.slice(0, count);
    const related = this.relatedPods(rs);
    const perNode = new Map<string, number>();
    for (const pod of related) {
      const node = pod.spec?.nodeName;
      if (node && isPodActive(pod)) perNode.set(node, (perNode.get(node) ?? 0) + 1);
    }
    const rankOf = (pod: Pod): number => {
      const node = pod.spec?.nodeName;
      return node ? perNode.get(node) ?? 0 : 0;
    };
    return [...pods].sort((a, b) => comparePodsForDeletion(a, b, rankOf(a), rankOf(b))).slice(0, count);
  }

  /** Pods of this ReplicaSet and of ReplicaSets with the same controller (kube's indirectly related pods). */
  private relatedPods(rs: ReplicaSet): Pod[] {
    const owner = controllerOf(rs);
    const uids = new Set<string>([rs.metadata.uid ?? '']);
    if (owner) {
      for (const other of this.replicaSets.list(rs.metadata.namespace)) {
        if (controllerOf(other)?.uid === owner.uid) uids.add(other.metadata.uid ?? '');
      }
    }
    return this.pods.list(rs.metadata.namespace).filter((p) => {
      const ref = controllerOf(p);
      return ref !== undefined && uids.has(ref.uid);
    });
  }

  private calculateStatus(rs: ReplicaSet, pods: Pod[], manageError: unknown, diff: number): ReplicaSetStatus {
    const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
    const minReady = rs.spec?.minReadySeconds ?? 0;
    const now = this.now();
    let fullyLabeled = 0;
    let ready = 0;
    let available = 0;
    for (const pod of pods) {
      const labels = pod.metadata.labels ?? {};
      if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
      if (isPodReady(pod)) {
        ready++;
        if (isPodAvailable(pod, minReady, now)) available++;
      }
    }
    let conditions = [...(rs.status?.conditions ?? [])];
    const failure = conditions.find((c) => c.type === 'ReplicaFailure');
    if (manageError !== undefined && !failure) {
      conditions.push({
        type: 'ReplicaFailure',
        status: 'True',
        lastTransitionTime: kubeTime(now),
        reason: diff < 0 ? 'FailedCreate' : 'FailedDelete',
        message: errorMessage(manageError),
      });
    } else if (manageError === undefined && failure) {
      conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
    }
    const status: ReplicaSetStatus = {
      ...(rs.status ?? {}),
      replicas: pods.length,
      fullyLabeledReplicas: fullyLabeled,
      readyReplicas: ready,
      availableReplicas: available,
    };
    if (conditions.length) status.conditions = conditions;
    else delete status.conditions;
    return status;
  }

  /** updateReplicaSetStatus: writes only when something changed; one retry on conflict. */
  private async updateStatus(rs: ReplicaSet, status: ReplicaSetStatus): Promise<ReplicaSet> {
    const generation = rs.metadata.generation ?? 0;
    if (sameStatus(rs.status ?? {}, status) && rs.status?.observedGeneration === generation) return rs;
    let current = rs;
    for (let attempt = 0; ; attempt++) {
      try {
        const next: ReplicaSet = { ...current, status: { ...status, observedGeneration: current.metadata.generation ?? generation } };
        return await this.client.update<ReplicaSet>(replicaSetsRef, next, { subresource: 'status' });
      } catch (error: unknown) {
        if (isNotFound(error)) return rs;
        if (!isConflict(error) || attempt >= 1) throw error;
        current = await this.client.get<ReplicaSet>(replicaSetsRef, rs.metadata.namespace, rs.metadata.name ?? '');
        if (current.metadata.uid !== rs.metadata.uid) return rs;
      }
    }
  }

  private involved(rs: ReplicaSet): ReplicaSet {
    return { ...rs, apiVersion: 'apps/v1', kind: 'ReplicaSet' };
  }
}
