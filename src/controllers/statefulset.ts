/**
 * The StatefulSet controller (kube-controller-manager's statefulset controller): pods with
 * stable names `<set>-<ordinal>`, hostnames and claims, created in order (OrderedReady) or all
 * at once (Parallel), scaled down from the highest ordinal, updated by RollingUpdate with a
 * partition or OnDelete; history as ControllerRevisions and status currentRevision /
 * updateRevision and replica counts through the status subresource.
 */
import type { OwnerReference } from '../api/types.js';
import { EventRecorder, Informer, type Client, type ResourceRef } from '../client/index.js';
import { WorkQueue } from './queue.js';
import { claimObjects, controllerOf, freshOwnerCheck, isConflict, isNotFound, keyOf, selects, splitKey, type Log } from './owners.js';
import {
  controllerRevisionsRef,
  createRevision,
  equalData,
  newRevision,
  nextRevisionNumber,
  revisionTemplate,
  sortRevisions,
  templatePatch,
  truncateHistory,
  updateRevisionNumber,
  type ControllerRevision,
} from './controller-revision.js';
import { StatefulSetControl, claimsRef, podsRef, replicaStatus, type Revisions } from './statefulset-control.js';
import { isMemberOf, isRunningAndReady, podRevision, type PersistentVolumeClaim, type Pod, type PodTemplate, type StatefulSet, type StatefulSetStatus } from './statefulset-util.js';

export type { StatefulSet, StatefulSetStatus } from './statefulset-util.js';
export const statefulSetsRef: ResourceRef = { apiVersion: 'apps/v1', plural: 'statefulsets' };

export interface StatefulSetControllerOptions {
  client: Client;
  log?: Log;
  /** Concurrent syncs (kube's --concurrent-statefulset-syncs, default 5). */
  workers?: number;
  now?: () => Date;
}

const statusKeys: Array<keyof StatefulSetStatus> = ['observedGeneration', 'replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'currentRevision', 'updateRevision', 'collisionCount'];

export class StatefulSetController {
  private readonly client: Client;
  private readonly log: Log;
  private readonly workers: number;
  private readonly now: () => Date;
  readonly pods: Informer<Pod>;
  readonly sets: Informer<StatefulSet>;
  readonly revisions: Informer<ControllerRevision>;
  readonly claims: Informer<PersistentVolumeClaim>;
  private readonly queue = new WorkQueue();
  private readonly control: StatefulSetControl;

  constructor(options: StatefulSetControllerOptions) {
    if (!options.client) throw new TypeError('Cannot create statefulset controller: a client is required');
    this.client = options.client;
    this.log = options.log ?? (() => undefined);
    this.workers = options.workers ?? 5;
    this.now = options.now ?? (() => new Date());
    const events = new EventRecorder(this.client, 'statefulset-controller', '', this.now, this.log);
    this.pods = new Informer<Pod>(this.client, podsRef, undefined, { log: this.log });
    this.sets = new Informer<StatefulSet>(this.client, statefulSetsRef, undefined, { log: this.log });
    this.revisions = new Informer<ControllerRevision>(this.client, controllerRevisionsRef, undefined, { log: this.log });
    this.claims = new Informer<PersistentVolumeClaim>(this.client, claimsRef, undefined, { log: this.log });
    this.control = new StatefulSetControl({ client: this.client, events, now: this.now, claim: (ns, name) => this.claims.get(ns, name) });
    this.sets.on({
      add: (set) => this.queue.add(keyOf(set)),
      update: (_old, set) => this.queue.add(keyOf(set)),
      delete: (set) => this.queue.add(keyOf(set)),
    });
    this.pods.on({
      add: (pod) => this.podChanged(undefined, pod),
      update: (old, pod) => this.podChanged(old, pod),
      delete: (pod) => this.podChanged(undefined, pod),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.pods, this.sets, this.revisions, this.claims];
    const running = informers.map((i) => i.run(signal));
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([Promise.all(informers.map((i) => i.synced())), aborted]);
    if (!signal.aborted) await this.queue.run(this.workers, (key) => this.sync(key), signal, this.log);
    await Promise.all(running);
  }

  // ---- Event handlers ----

  private resolveControllerRef(namespace: string | undefined, ref: OwnerReference): StatefulSet | undefined {
    if (ref.kind !== 'StatefulSet' || !ref.apiVersion.startsWith('apps/')) return undefined;
    const set = this.sets.get(namespace, ref.name);
    return set && set.metadata.uid === ref.uid ? set : undefined;
  }

  /** Any pod change wakes its set (and the old one if the owner changed); orphans wake matching sets. */
  private podChanged(old: Pod | undefined, pod: Pod): void {
    const oldRef = old ? controllerOf(old) : undefined;
    const ref = controllerOf(pod);
    if (oldRef && oldRef.uid !== ref?.uid) {
      const oldSet = this.resolveControllerRef(old?.metadata.namespace, oldRef);
      if (oldSet) this.queue.add(keyOf(oldSet));
    }
    if (!ref) {
      for (const set of this.sets.list(pod.metadata.namespace)) if (isMemberOf(set, pod) && selects(set.spec?.selector, pod.metadata.labels)) this.queue.add(keyOf(set));
      return;
    }
    const set = this.resolveControllerRef(pod.metadata.namespace, ref);
    if (!set) return;
    this.queue.add(keyOf(set));
    // A pod that just became ready becomes available after minReadySeconds.
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (old && minReady > 0 && !isRunningAndReady(old) && isRunningAndReady(pod)) this.queue.addAfter(keyOf(set), minReady * 1000 + 100);
  }

  // ---- Sync ----

  /** syncStatefulSet: one pass over one StatefulSet. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const set = this.sets.get(namespace, name);
    if (!set) return;
    const canAdopt = freshOwnerCheck(this.client, statefulSetsRef, set);
    const claim = <T extends Pod | ControllerRevision>(ref: ResourceRef, objects: T[]): Promise<T[]> =>
      claimObjects<T>({ client: this.client, ref, owner: set, ownerApiVersion: 'apps/v1', ownerKind: 'StatefulSet', selector: set.spec?.selector, objects, canAdopt, log: this.log });
    // Only pods named after the set are its members (getPodsForStatefulSet's filter).
    const pods = await claim(podsRef, this.pods.list(namespace).filter((p) => isMemberOf(set, p)));
    const history = await claim(controllerRevisionsRef, this.revisions.list(namespace));

    const collision = { value: set.status?.collisionCount ?? 0 };
    const { current, update } = await this.statefulSetRevisions(set, history, collision);
    const revisions: Revisions = {
      current: { name: current.metadata.name ?? '', template: revisionTemplate<PodTemplate>(current) ?? set.spec?.template ?? {} },
      update: { name: update.metadata.name ?? '', template: set.spec?.template ?? {} },
    };
    let updateError: unknown;
    try {
      await this.control.update(set, revisions, pods);
    } catch (error: unknown) {
      updateError = error;
    }

    // Status from the cache as it is now, so a pass that deleted or created shows it when seen.
    const owned = this.pods.list(namespace).filter((p) => isMemberOf(set, p) && controllerOf(p)?.uid === set.metadata.uid);
    const minReady = set.spec?.minReadySeconds ?? 0;
    const status: StatefulSetStatus = {
      ...(set.status ?? {}),
      ...replicaStatus(owned, minReady, revisions, this.now()),
      observedGeneration: set.metadata.generation ?? set.status?.observedGeneration,
      currentRevision: revisions.current.name,
      updateRevision: revisions.update.name,
      collisionCount: collision.value,
    };
    // completeRollingUpdate: every pod updated and ready makes the update revision current.
    if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
      status.currentReplicas = status.updatedReplicas;
      status.currentRevision = status.updateRevision;
    }
    await this.writeStatus(set, status);
    if (updateError !== undefined) throw updateError;

    const live = new Set<string>([status.currentRevision ?? '', status.updateRevision ?? '', ...owned.map(podRevision)]);
    const mine = this.revisions.list(namespace).filter((r) => controllerOf(r)?.uid === set.metadata.uid);
    await truncateHistory(this.client, mine, live, set.spec?.revisionHistoryLimit ?? 10);
    if (minReady > 0 && (status.readyReplicas ?? 0) > (status.availableReplicas ?? 0)) this.queue.addAfter(key, minReady * 1000);
  }

  /**
   * getStatefulSetRevisions: the update revision is the newest if it records the current
   * template, an older equal one renumbered (rollback), or a new one; the current revision is
   * the one status names, or the update revision for a new set.
   */
  private async statefulSetRevisions(set: StatefulSet, history: ControllerRevision[], collision: { value: number }): Promise<{ current: ControllerRevision; update: ControllerRevision }> {
    const sorted = sortRevisions(history);
    const candidate = newRevision(set, 'StatefulSet', set.spec?.template?.metadata?.labels, templatePatch(set.spec?.template ?? {}), nextRevisionNumber(sorted), collision.value || undefined);
    const equal = sorted.filter((r) => equalData(r.data, candidate.data));
    const newest = sorted[sorted.length - 1];
    const lastEqual = equal[equal.length - 1];
    let update: ControllerRevision;
    if (lastEqual && lastEqual === newest) update = lastEqual;
    else if (lastEqual) update = await updateRevisionNumber(this.client, lastEqual, candidate.revision);
    else update = await createRevision(this.client, set, candidate, collision);
    const current = sorted.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    return { current, update };
  }

  /** Writes status when it changed; one retry on conflict. */
  private async writeStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    const before = set.status ?? {};
    if (statusKeys.every((k) => (before[k] ?? 0) === (status[k] ?? 0))) return;
    let current = set;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.update<StatefulSet>(statefulSetsRef, { ...current, status }, { subresource: 'status' });
        return;
      } catch (error: unknown) {
        if (isNotFound(error)) return;
        if (!isConflict(error) || attempt >= 1) throw error;
        current = await this.client.get<StatefulSet>(statefulSetsRef, set.metadata.namespace, set.metadata.name ?? '');
        if (current.metadata.uid !== set.metadata.uid) return;
      }
    }
  }
}
