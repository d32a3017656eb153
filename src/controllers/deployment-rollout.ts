/**
 * One sync of one Deployment (kube's deployment controller: sync.go, rolling.go, recreate.go):
 * finds or creates the new ReplicaSet, scales ReplicaSets for RollingUpdate / Recreate /
 * proportional scaling, cleans up old revisions and writes the Deployment's status.
 */
import type { Client, EventRecorder } from '../client/index.js';
import { claimObjects, controllerOf, errorMessage, freshOwnerCheck, isNotFound, keyOf, newControllerRef, reasonOf, statusCode, type Log } from './owners.js';
import { computeHash, equalIgnoreHash, podTemplateHashLabel } from './pod-template-hash.js';
import { replicaSetsRef, type Pod, type ReplicaSet } from './replicaset.js';
import {
  FailedRSCreateReason,
  FoundNewRSReason,
  NewReplicaSetReason,
  PausedDeployReason,
  ResumedDeployReason,
  TimedOutReason,
  activeReplicaSets,
  byCreation,
  byRevision,
  bySizeNewer,
  bySizeOlder,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  getCondition,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  maxUnavailable,
  newCondition,
  newRSNewReplicas,
  ownedBy,
  proportion,
  replicasOf,
  revisionAnnotation,
  desiredReplicasAnnotation,
  rsReplicas,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  sumSpecReplicas,
  sumStatus,
  type Deployment,
  type DeploymentStatus,
} from './deployment-util.js';
import { calculateStatus, deploymentComplete, rolloutStatus, sameDeploymentStatus, stuckRequeueMs } from './deployment-status.js';

export const deploymentsRef = { apiVersion: 'apps/v1', plural: 'deployments' };

/** What a sync needs from its controller. */
export interface RolloutDeps {
  client: Client;
  events: EventRecorder;
  log: Log;
  now(): Date;
  /** ReplicaSets in a namespace, from the informer cache. */
  replicaSets(namespace: string | undefined): ReplicaSet[];
  /** Pods in a namespace, from the informer cache. */
  pods(namespace: string | undefined): Pod[];
  requeueAfter(key: string, ms: number): void;
}

/** One sync of one Deployment; `d` follows the writes made during the sync. */
export class DeploymentSync {
  constructor(private readonly deps: RolloutDeps, public d: Deployment) {}

  /** syncDeployment. */
  async run(): Promise<void> {
    const d = this.d;
    if (!selectsSomething(d.spec?.selector)) {
      void this.event('Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        await this.writeStatus({ ...(d.status ?? {}), observedGeneration: d.metadata.generation ?? 0 });
      }
      return;
    }
    const rsList = await this.replicaSetsForDeployment();
    if (d.metadata.deletionTimestamp) return this.syncStatusOnly(rsList);
    await this.checkPausedConditions();
    if (this.d.spec?.paused) return this.syncScale(rsList);
    if (await this.isScalingEvent(rsList)) return this.syncScale(rsList);
    if (isRollingUpdate(this.d)) return this.rolloutRolling(rsList);
    return this.rolloutRecreate(rsList);
  }

  // ---- Claiming ----

  /** getReplicaSetsForDeployment: adopt matching orphans, release non-matching owned ones. */
  private async replicaSetsForDeployment(): Promise<ReplicaSet[]> {
    const { client } = this.deps;
    const candidates = this.deps.replicaSets(this.d.metadata.namespace).map((rs) => structuredClone(rs));
    const claimed = await claimObjects<ReplicaSet>({
      client,
      ref: replicaSetsRef,
      owner: this.d,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'Deployment',
      selector: this.d.spec?.selector,
      objects: candidates,
      canAdopt: freshOwnerCheck(client, deploymentsRef, this.d),
      log: this.deps.log,
    });
    return claimed.map((rs) => structuredClone(rs));
  }

  // ---- Writes ----

  private involved(): Deployment {
    return { ...this.d, apiVersion: 'apps/v1', kind: 'Deployment' };
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return this.deps.events.record(this.involved(), type, reason, message);
  }

  /** Writes the Deployment's status; `d` becomes the stored object. */
  private async writeStatus(status: DeploymentStatus): Promise<void> {
    this.d = await this.deps.client.update<Deployment>(deploymentsRef, { ...this.d, status }, { subresource: 'status' });
  }

  /**
   * SetDeploymentRevision. kube writes the annotation together with the status; litekube's
   * status subresource keeps metadata, so the annotation goes in a patch of its own.
   */
  private async setDeploymentRevision(revision: string): Promise<void> {
    if (this.d.metadata.annotations?.[revisionAnnotation] === revision) return;
    const status = this.d.status;
    const patched = await this.deps.client.patch<Deployment>(deploymentsRef, this.d.metadata.namespace, this.d.metadata.name ?? '', 'json', [
      { op: 'test', path: '/metadata/uid', value: this.d.metadata.uid },
      ...(this.d.metadata.annotations ? [] : [{ op: 'add', path: '/metadata/annotations', value: {} }]),
      { op: 'add', path: `/metadata/annotations/${revisionAnnotation.replace(/~/g, '~0').replace(/\//g, '~1')}`, value: revision },
    ]);
    this.d = { ...patched, ...(status ? { status } : {}) };
  }

  private async updateReplicaSet(rs: ReplicaSet, next: ReplicaSet): Promise<ReplicaSet> {
    const updated = await this.deps.client.update<ReplicaSet>(replicaSetsRef, next);
    // Later steps of this sync see the written object.
    for (const key of Object.keys(rs)) delete (rs as Record<string, unknown>)[key];
    Object.assign(rs, structuredClone(updated));
    return rs;
  }

  // ---- New and old ReplicaSets ----

  /** getAllReplicaSetsAndSyncRevision. */
  private async allReplicaSets(rsList: ReplicaSet[], createIfMissing: boolean): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const existing = findNewReplicaSet(this.d, rsList);
    const oldRSs = findOldReplicaSets(rsList, existing);
    const newRS = await this.newReplicaSet(existing, oldRSs, createIfMissing);
    return { newRS, oldRSs };
  }

  /** getNewReplicaSet: sync the existing new ReplicaSet's revision, or create it. */
  private async newReplicaSet(existing: ReplicaSet | undefined, oldRSs: ReplicaSet[], createIfMissing: boolean): Promise<ReplicaSet | undefined> {
    const d = this.d;
    const newRevision = maxRevision(oldRSs) + 1;
    const now = this.deps.now();
    if (existing) {
      const copy = structuredClone(existing);
      const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true);
      const minReadyChanged = (copy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      if (annotationsChanged || minReadyChanged) {
        copy.spec = { ...(copy.spec ?? {}), minReadySeconds: d.spec?.minReadySeconds ?? 0 };
        return this.updateReplicaSet(existing, copy);
      }
      await this.setDeploymentRevision(copy.metadata.annotations?.[revisionAnnotation] ?? '');
      if (hasProgressDeadline(this.d) && !getCondition(this.d.status, 'Progressing')) {
        const status = structuredClone(this.d.status ?? {});
        setCondition(status, newCondition('Progressing', 'True', FoundNewRSReason, `Found new replica set "${existing.metadata.name ?? ''}"`, now));
        await this.writeStatus(status);
      }
      return existing;
    }
    if (!createIfMissing) return undefined;

    const template = structuredClone(d.spec?.template ?? {});
    const hash = computeHash(d.spec?.template, d.status?.collisionCount);
    const labels = { ...(template.metadata?.labels ?? {}), [podTemplateHashLabel]: hash };
    template.metadata = { ...(template.metadata ?? {}), labels };
    const selector = structuredClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [podTemplateHashLabel]: hash };
    const name = `${d.metadata.name ?? ''}-${hash}`;
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name, namespace: d.metadata.namespace, labels, ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')] },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    const replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
    rs.spec = { ...rs.spec, replicas };
    setNewReplicaSetAnnotations(d, rs, newRevision, false);

    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = structuredClone(await this.deps.client.create<ReplicaSet>(replicaSetsRef, d.metadata.namespace, rs));
    } catch (error: unknown) {
      if (statusCode(error) === 409 && reasonOf(error) !== 'Conflict') {
        const found = await this.deps.client.get<ReplicaSet>(replicaSetsRef, d.metadata.namespace, name);
        if (ownedBy(found, d) && equalIgnoreHash(d.spec?.template, found.spec?.template)) {
          created = structuredClone(found);
          alreadyExists = true;
        } else {
          // A hash collision: bump collisionCount so the next sync computes another name.
          const status = structuredClone(d.status ?? {});
          status.collisionCount = (status.collisionCount ?? 0) + 1;
          await this.writeStatus(status);
          throw new Error(`replica set "${name}" already exists and does not belong to deployment "${d.metadata.name ?? ''}" (collision count now ${status.collisionCount})`);
        }
      } else if (statusCode(error) === 403) {
        // The namespace is terminating: nothing more to do.
        throw error;
      } else {
        const message = `Failed to create new replica set "${name}": ${errorMessage(error)}`;
        if (hasProgressDeadline(d)) {
          const status = structuredClone(d.status ?? {});
          setCondition(status, newCondition('Progressing', 'False', FailedRSCreateReason, message, now));
          await this.writeStatus(status).catch(() => undefined);
        }
        void this.event('Warning', FailedRSCreateReason, message);
        throw error;
      }
    }
    if (!alreadyExists && replicas > 0) void this.event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${name} to ${replicas}`);
    await this.setDeploymentRevision(String(newRevision));
    if (!alreadyExists && hasProgressDeadline(this.d)) {
      const status = structuredClone(this.d.status ?? {});
      setCondition(status, newCondition('Progressing', 'True', NewReplicaSetReason, `Created new replica set "${name}"`, now));
      await this.writeStatus(status);
    }
    return created;
  }

  // ---- Scaling ----

  /** scaleReplicaSetAndRecordEvent. */
  private async scaleAndRecord(rs: ReplicaSet, newScale: number): Promise<boolean> {
    if (rsReplicas(rs) === newScale) return false;
    return this.scaleReplicaSet(rs, newScale, newScale > rsReplicas(rs) ? 'up' : 'down');
  }

  /** scaleReplicaSet: size and desired/max annotations in one update; an event when the size changed. */
  private async scaleReplicaSet(rs: ReplicaSet, newScale: number, operation: 'up' | 'down'): Promise<boolean> {
    const oldScale = rsReplicas(rs);
    const sizeChanged = oldScale !== newScale;
    const copy = structuredClone(rs);
    const annotationsChanged = setReplicasAnnotations(copy, replicasOf(this.d), replicasOf(this.d) + maxSurge(this.d));
    if (!sizeChanged && !annotationsChanged) return false;
    copy.spec = { ...(copy.spec ?? {}), replicas: newScale };
    await this.updateReplicaSet(rs, copy);
    if (sizeChanged) void this.event('Normal', 'ScalingReplicaSet', `Scaled ${operation} replica set ${rs.metadata.name ?? ''} to ${newScale} from ${oldScale}`);
    return sizeChanged;
  }

  /** scale: an only active ReplicaSet follows spec.replicas; otherwise spread proportionally. */
  private async scale(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const d = this.d;
    const replicas = replicasOf(d);
    const only = findActiveOrLatest(newRS, oldRSs);
    if (only) {
      if (rsReplicas(only) === replicas) return;
      await this.scaleAndRecord(only, replicas);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of activeReplicaSets(oldRSs)) await this.scaleAndRecord(old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const all = activeReplicaSets([...oldRSs, newRS]);
    const current = sumSpecReplicas(all);
    const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
    const toAdd = allowed - current;
    let operation: 'up' | 'down' = 'up';
    if (toAdd > 0) all.sort(bySizeNewer);
    else if (toAdd < 0) {
      all.sort(bySizeOlder);
      operation = 'down';
    }
    let added = 0;
    const sizes = new Map<ReplicaSet, number>();
    for (const rs of all) {
      if (toAdd !== 0) {
        const p = proportion(rs, d, toAdd, added);
        sizes.set(rs, rsReplicas(rs) + p);
        added += p;
      } else sizes.set(rs, rsReplicas(rs));
    }
    for (let i = 0; i < all.length; i++) {
      const rs = all[i]!;
      let size = sizes.get(rs) ?? 0;
      if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
      await this.scaleReplicaSet(rs, size, operation);
    }
  }

  /** isScalingEvent: an active ReplicaSet's desired-replicas annotation differs from spec.replicas. */
  private async isScalingEvent(rsList: ReplicaSet[]): Promise<boolean> {
    const { newRS, oldRSs } = await this.allReplicaSets(rsList, false);
    for (const rs of activeReplicaSets([...oldRSs, newRS])) {
      const desired = Number.parseInt(rs.metadata.annotations?.[desiredReplicasAnnotation] ?? '', 10);
      if (Number.isNaN(desired)) continue;
      if (desired !== replicasOf(this.d)) return true;
    }
    return false;
  }

  // ---- Strategies ----

  /** rolloutRolling. */
  private async rolloutRolling(rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.allReplicaSets(rsList, true);
    const all = [...oldRSs, newRS];
    if (newRS && (await this.reconcileNewReplicaSet(all, newRS))) return this.syncRolloutStatus(all, newRS);
    if (await this.reconcileOldReplicaSets(all, activeReplicaSets(oldRSs), newRS)) return this.syncRolloutStatus(all, newRS);
    if (deploymentComplete(this.d, this.d.status ?? {})) await this.cleanup(oldRSs);
    return this.syncRolloutStatus(all, newRS);
  }

  private async reconcileNewReplicaSet(all: Array<ReplicaSet | undefined>, newRS: ReplicaSet): Promise<boolean> {
    const replicas = replicasOf(this.d);
    if (rsReplicas(newRS) === replicas) return false;
    if (rsReplicas(newRS) > replicas) return this.scaleAndRecord(newRS, replicas);
    return this.scaleAndRecord(newRS, newRSNewReplicas(this.d, all, newRS));
  }

  private async reconcileOldReplicaSets(all: Array<ReplicaSet | undefined>, oldRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<boolean> {
    const oldCount = sumSpecReplicas(oldRSs);
    if (oldCount === 0) return false;
    const allCount = sumSpecReplicas(all);
    const minAvailable = replicasOf(this.d) - maxUnavailable(this.d);
    const newUnavailable = rsReplicas(newRS) - (newRS?.status?.availableReplicas ?? 0);
    const maxScaledDown = allCount - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    // First remove old replicas that are not available: they cost nothing in availability.
    const cleaned = await this.cleanupUnhealthyReplicas(oldRSs, maxScaledDown);
    const scaled = await this.scaleDownOldForRollingUpdate([...oldRSs, newRS], oldRSs);
    return cleaned + scaled > 0;
  }

  private async cleanupUnhealthyReplicas(oldRSs: ReplicaSet[], maxCleanup: number): Promise<number> {
    let total = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (total >= maxCleanup) break;
      const replicas = rsReplicas(rs);
      const available = rs.status?.availableReplicas ?? 0;
      if (replicas === 0 || replicas === available) continue;
      const count = Math.min(maxCleanup - total, replicas - available);
      await this.scaleAndRecord(rs, replicas - count);
      total += count;
    }
    return total;
  }

  private async scaleDownOldForRollingUpdate(all: Array<ReplicaSet | undefined>, oldRSs: ReplicaSet[]): Promise<number> {
    const minAvailable = replicasOf(this.d) - maxUnavailable(this.d);
    const available = sumStatus(all, 'availableReplicas');
    if (available <= minAvailable) return 0;
    const totalToScaleDown = available - minAvailable;
    let total = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (total >= totalToScaleDown) break;
      if (rsReplicas(rs) === 0) continue;
      const count = Math.min(rsReplicas(rs), totalToScaleDown - total);
      await this.scaleAndRecord(rs, rsReplicas(rs) - count);
      total += count;
    }
    return total;
  }

  /** rolloutRecreate: old ReplicaSets to 0, wait for their pods to go, then the new one up. */
  private async rolloutRecreate(rsList: ReplicaSet[]): Promise<void> {
    let { newRS, oldRSs } = await this.allReplicaSets(rsList, false);
    let all = [...oldRSs, newRS];
    let scaledDown = false;
    for (const rs of activeReplicaSets(oldRSs)) if (await this.scaleAndRecord(rs, 0)) scaledDown = true;
    if (scaledDown) return this.syncRolloutStatus(all, newRS);
    if (this.oldPodsRunning(newRS, oldRSs, rsList)) return this.syncRolloutStatus(all, newRS);
    if (!newRS) {
      ({ newRS, oldRSs } = await this.allReplicaSets(rsList, true));
      all = [...oldRSs, newRS];
    }
    if (newRS) await this.scaleAndRecord(newRS, replicasOf(this.d));
    if (deploymentComplete(this.d, this.d.status ?? {})) await this.cleanup(oldRSs);
    return this.syncRolloutStatus(all, newRS);
  }

  /** oldPodsRunning: old ReplicaSets still report pods, or pods of theirs are not finished. */
  private oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], rsList: ReplicaSet[]): boolean {
    if (sumStatus(oldRSs, 'replicas') > 0) return true;
    const oldUids = new Set(rsList.filter((rs) => rs.metadata.uid !== newRS?.metadata.uid).map((rs) => rs.metadata.uid));
    for (const pod of this.deps.pods(this.d.metadata.namespace)) {
      const ref = controllerOf(pod);
      if (!ref || !oldUids.has(ref.uid)) continue;
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
    return false;
  }

  /** sync: scaling (and, while paused, cleanup) without rolling out. */
  private async syncScale(rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.allReplicaSets(rsList, false);
    await this.scale(newRS, oldRSs);
    if (this.d.spec?.paused) await this.cleanup(oldRSs);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  private async syncStatusOnly(rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.allReplicaSets(rsList, false);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  // ---- Cleanup ----

  /** cleanupDeployment: delete the oldest zero-size ReplicaSets beyond revisionHistoryLimit. */
  private async cleanup(oldRSs: ReplicaSet[]): Promise<void> {
    if (!hasRevisionHistoryLimit(this.d)) return;
    const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = alive.length - (this.d.spec?.revisionHistoryLimit ?? 0);
    if (diff <= 0) return;
    const sorted = [...alive].sort(byRevision);
    for (let i = 0; i < diff; i++) {
      const rs = sorted[i]!;
      if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0) continue;
      if ((rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.deps.client.delete(replicaSetsRef, rs.metadata.namespace, rs.metadata.name ?? '', { preconditions: { uid: rs.metadata.uid } });
      } catch (error: unknown) {
        if (!isNotFound(error)) throw error;
      }
    }
  }

  // ---- Status ----

  /** checkPausedConditions: Progressing Unknown DeploymentPaused / DeploymentResumed. */
  private async checkPausedConditions(): Promise<void> {
    if (!hasProgressDeadline(this.d)) return;
    const current = getCondition(this.d.status, 'Progressing');
    if (current?.reason === TimedOutReason) return;
    const pausedExists = current?.reason === PausedDeployReason;
    const status = structuredClone(this.d.status ?? {});
    const now = this.deps.now();
    if (this.d.spec?.paused && !pausedExists) {
      setCondition(status, newCondition('Progressing', 'Unknown', PausedDeployReason, 'Deployment is paused', now));
    } else if (!this.d.spec?.paused && pausedExists) {
      setCondition(status, newCondition('Progressing', 'Unknown', ResumedDeployReason, 'Deployment is resumed', now));
    } else return;
    await this.writeStatus(status);
  }

  private async syncDeploymentStatus(all: Array<ReplicaSet | undefined>, newRS: ReplicaSet | undefined): Promise<void> {
    const status = calculateStatus(all, newRS, this.d, this.deps.now());
    if (sameDeploymentStatus(this.d.status, status)) return;
    await this.writeStatus(status);
  }

  /** syncRolloutStatus: status with Progressing; a deadline check is scheduled when nothing changed. */
  private async syncRolloutStatus(all: Array<ReplicaSet | undefined>, newRS: ReplicaSet | undefined): Promise<void> {
    const now = this.deps.now();
    const status = rolloutStatus(all, newRS, this.d, now);
    if (sameDeploymentStatus(this.d.status, status)) {
      const after = stuckRequeueMs(this.d, status, now);
      if (after !== undefined) this.deps.requeueAfter(keyOf(this.d), after);
      return;
    }
    await this.writeStatus(status);
  }
}

/** An empty selector would select every pod; kube refuses to act on it. */
function selectsSomething(selector: unknown): boolean {
  if (selector === undefined || selector === null || typeof selector !== 'object') return false;
  const s = selector as { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  return Object.keys(s.matchLabels ?? {}).length > 0 || (s.matchExpressions ?? []).length > 0;
}
