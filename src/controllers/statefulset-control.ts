/**
 * One pass of kube's StatefulSet update loop (stateful_set_control.go updateStatefulSet,
 * without the MaxUnavailableStatefulSet gate): recreate failed pods, create missing ones with
 * their claims first, scale down from the highest ordinal, and roll updates from the highest
 * ordinal down to the partition — one pod at a time and only while everything is healthy under
 * OrderedReady; Parallel creates and deletes without waiting.
 */
import type { Client, EventRecorder, ResourceRef } from '../client/index.js';
import { errorMessage, isNotFound, statusCode } from './owners.js';
import {
  claimsFor,
  identityMatches,
  isCreated,
  isFailed,
  isHealthy,
  isPending,
  isRunningAndAvailable,
  isRunningAndReady,
  isSucceeded,
  isTerminating,
  newStatefulSetPod,
  ordinalOf,
  podIndexLabel,
  podNameLabel,
  podRevision,
  startOrdinal,
  storageMatches,
  type PersistentVolumeClaim,
  type Pod,
  type PodTemplate,
  type StatefulSet,
  type StatefulSetStatus,
} from './statefulset-util.js';

export const podsRef: ResourceRef = { apiVersion: 'v1', plural: 'pods' };
export const claimsRef: ResourceRef = { apiVersion: 'v1', plural: 'persistentvolumeclaims' };

export interface Revisions {
  current: { name: string; template: PodTemplate };
  update: { name: string; template: PodTemplate };
}

export interface ControlDeps {
  client: Client;
  events: EventRecorder;
  /** The claim cache (a PVC informer's get). */
  claim(namespace: string | undefined, name: string): PersistentVolumeClaim | undefined;
  now(): Date;
}

/** computeReplicaStatus over every owned pod. */
export function replicaStatus(pods: Pod[], minReadySeconds: number, revisions: Revisions, now: Date): Pick<StatefulSetStatus, 'replicas' | 'readyReplicas' | 'availableReplicas' | 'currentReplicas' | 'updatedReplicas'> {
  let replicas = 0;
  let ready = 0;
  let available = 0;
  let current = 0;
  let updated = 0;
  for (const pod of pods) {
    if (isCreated(pod)) replicas++;
    if (isRunningAndReady(pod)) {
      ready++;
      if (isRunningAndAvailable(pod, minReadySeconds, now)) available++;
    }
    if (isCreated(pod) && !isTerminating(pod)) {
      if (podRevision(pod) === revisions.current.name) current++;
      if (podRevision(pod) === revisions.update.name) updated++;
    }
  }
  return { replicas, readyReplicas: ready, availableReplicas: available, currentReplicas: current, updatedReplicas: updated };
}

export class StatefulSetControl {
  constructor(private readonly deps: ControlDeps) {}

  /** Runs the loop; returns when it made the one change OrderedReady allows, or finished. */
  async update(set: StatefulSet, revisions: Revisions, pods: Pod[]): Promise<void> {
    if (set.metadata.deletionTimestamp) return;
    const start = startOrdinal(set);
    const count = set.spec?.replicas ?? 1;
    const monotonic = (set.spec?.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
    const minReady = set.spec?.minReadySeconds ?? 0;
    const now = this.deps.now();
    // Slots start..start+count-1 hold replicas; every other ordinal is condemned.
    const replicas: Array<Pod | undefined> = new Array<Pod | undefined>(count).fill(undefined);
    const condemned: Pod[] = [];
    for (const pod of pods) {
      const index = ordinalOf(pod) - start;
      if (index >= 0 && index < count) replicas[index] = pod;
      else if (ordinalOf(pod) >= 0) condemned.push(pod);
    }
    condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));
    const firstUnhealthy = [...replicas, ...condemned].find((p): p is Pod => p !== undefined && !isHealthy(p));

    for (let index = 0; index < count; index++) {
      let pod = replicas[index];
      const ordinal = start + index;
      if (pod && (isFailed(pod) || isSucceeded(pod)) && !isTerminating(pod)) {
        // Recreated under the same name, so it keeps its claims.
        const reason = isFailed(pod) ? 'RecreatingFailedPod' : 'RecreatingTerminatedPod';
        const what = isFailed(pod) ? 'failed' : 'terminated';
        void this.deps.events.record(involved(set), 'Warning', reason, `StatefulSet ${set.metadata.namespace ?? ''}/${set.metadata.name ?? ''} is recreating ${what} Pod ${pod.metadata.name ?? ''}`);
        await this.deletePod(set, pod);
        if (monotonic) return;
        continue;
      }
      if (!pod) {
        const created = await this.createPod(set, this.versionedPod(set, revisions, ordinal));
        // OrderedReady waits for this pod before the next ordinal.
        if (monotonic || !created) return;
        continue;
      }
      if (isPending(pod)) await this.createMissingClaims(set, pod);
      if (isTerminating(pod) && monotonic) return;
      if (!isRunningAndReady(pod) && monotonic) return;
      if (!isRunningAndAvailable(pod, minReady, now) && monotonic) return;
      if (!identityMatches(set, pod) || !storageMatches(set, pod)) pod = await this.fixPod(set, pod);
    }

    // Scale down: the highest ordinal first; OrderedReady waits for it to be gone.
    for (const pod of condemned) {
      if (isTerminating(pod)) {
        if (monotonic) return;
        continue;
      }
      if (!isRunningAndReady(pod) && monotonic && pod !== firstUnhealthy) return;
      await this.releaseClaimsOnScaleDown(set, pod);
      await this.deletePod(set, pod);
      if (monotonic) return;
    }

    if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'OnDelete') return;
    // Rolling update: delete the highest pod not at the update revision; it comes back updated.
    const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let index = count - 1; index >= partition; index--) {
      const pod = replicas[index];
      if (!pod) return;
      if (podRevision(pod) !== revisions.update.name && !isTerminating(pod)) {
        await this.deletePod(set, pod);
        return;
      }
      if (!isHealthy(pod)) return;
    }
  }

  /** newVersionedStatefulSetPod: below the partition pods stay at the current revision. */
  private versionedPod(set: StatefulSet, revisions: Revisions, ordinal: number): Pod {
    const strategy = set.spec?.updateStrategy;
    const partition = strategy?.rollingUpdate?.partition ?? 0;
    const stayCurrent = (strategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && ordinal < startOrdinal(set) + partition;
    const chosen = stayCurrent ? revisions.current : revisions.update;
    return newStatefulSetPod(set, chosen.template, ordinal, chosen.name);
  }

  /** CreateStatefulPod: claims first, then the pod. Returns false when the pod already exists. */
  private async createPod(set: StatefulSet, pod: Pod): Promise<boolean> {
    await this.createMissingClaims(set, pod);
    try {
      await this.deps.client.create<Pod>(podsRef, set.metadata.namespace, pod);
      this.podEvent(set, 'create', pod);
      return true;
    } catch (error: unknown) {
      // Our cache is behind: the pod is there and its event will trigger the next sync.
      if (statusCode(error) === 409) return false;
      this.podEvent(set, 'create', pod, error);
      throw error;
    }
  }

  /** createPersistentVolumeClaims: each claim the pod needs, unless it already exists. */
  private async createMissingClaims(set: StatefulSet, pod: Pod): Promise<void> {
    for (const claim of claimsFor(set, ordinalOf(pod))) {
      const name = claim.metadata.name ?? '';
      const cached = this.deps.claim(set.metadata.namespace, name);
      if (cached) {
        // A claim being deleted cannot be reused: wait until it is gone (PodClaimIsStale).
        if (cached.metadata.deletionTimestamp) throw new Error(`claim ${name} of pod ${pod.metadata.name ?? ''} is being deleted`);
        continue;
      }
      try {
        await this.deps.client.create<PersistentVolumeClaim>(claimsRef, set.metadata.namespace, claim);
        this.claimEvent(set, 'create', pod, name);
      } catch (error: unknown) {
        if (statusCode(error) === 409) continue;
        this.claimEvent(set, 'create', pod, name, error);
        throw error;
      }
    }
  }

  /** UpdateStatefulPod, small: restores identity labels and creates missing claims (volumes are immutable). */
  private async fixPod(set: StatefulSet, pod: Pod): Promise<Pod> {
    await this.createMissingClaims(set, pod);
    if (identityMatches(set, pod)) return pod;
    const ordinal = ordinalOf(pod);
    try {
      const updated = await this.deps.client.patch<Pod>(podsRef, pod.metadata.namespace, pod.metadata.name ?? '', 'merge', { metadata: { labels: { [podNameLabel]: pod.metadata.name, [podIndexLabel]: String(ordinal) } } });
      this.podEvent(set, 'update', pod);
      return updated;
    } catch (error: unknown) {
      if (isNotFound(error)) return pod;
      this.podEvent(set, 'update', pod, error);
      throw error;
    }
  }

  /** whenScaled: Delete — the claim is handed to the pod so the garbage collector takes both. */
  private async releaseClaimsOnScaleDown(set: StatefulSet, pod: Pod): Promise<void> {
    if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled !== 'Delete') return;
    for (const claim of claimsFor(set, ordinalOf(pod))) {
      const cached = this.deps.claim(set.metadata.namespace, claim.metadata.name ?? '');
      if (!cached || cached.metadata.ownerReferences?.some((r) => r.uid === pod.metadata.uid)) continue;
      const owners = [...(cached.metadata.ownerReferences ?? []), { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' }];
      try {
        await this.deps.client.patch(claimsRef, cached.metadata.namespace, cached.metadata.name ?? '', 'merge', { metadata: { ownerReferences: owners } });
      } catch (error: unknown) {
        if (!isNotFound(error)) throw error;
      }
    }
  }

  private async deletePod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.deps.client.delete(podsRef, pod.metadata.namespace, pod.metadata.name ?? '', { preconditions: { uid: pod.metadata.uid } });
      this.podEvent(set, 'delete', pod);
    } catch (error: unknown) {
      if (isNotFound(error) || statusCode(error) === 409) return;
      this.podEvent(set, 'delete', pod, error);
      throw error;
    }
  }

  /** recordPodEvent: "create Pod web-0 in StatefulSet web successful". */
  private podEvent(set: StatefulSet, verb: string, pod: Pod, error?: unknown): void {
    const title = verb[0]!.toUpperCase() + verb.slice(1);
    const base = `${verb} Pod ${pod.metadata.name ?? ''} in StatefulSet ${set.metadata.name ?? ''}`;
    if (error === undefined) void this.deps.events.record(involved(set), 'Normal', `Successful${title}`, `${base} successful`);
    else void this.deps.events.record(involved(set), 'Warning', `Failed${title}`, `${base} failed error: ${errorMessage(error)}`);
  }

  /** recordClaimEvent: "create Claim data-web-0 Pod web-0 in StatefulSet web success". */
  private claimEvent(set: StatefulSet, verb: string, pod: Pod, claim: string, error?: unknown): void {
    const title = verb[0]!.toUpperCase() + verb.slice(1);
    const podName = pod.metadata.name ?? '';
    const setName = set.metadata.name ?? '';
    if (error === undefined) void this.deps.events.record(involved(set), 'Normal', `Successful${title}`, `${verb} Claim ${claim} Pod ${podName} in StatefulSet ${setName} success`);
    else void this.deps.events.record(involved(set), 'Warning', `Failed${title}`, `${verb} Claim ${claim} for Pod ${podName} in StatefulSet ${setName} failed error: ${errorMessage(error)}`);
  }
}

export function involved(set: StatefulSet): StatefulSet {
  return { ...set, apiVersion: 'apps/v1', kind: 'StatefulSet' };
}
