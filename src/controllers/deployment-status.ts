/**
 * Deployment status (kube's deployment controller sync.go / progress.go): counts summed over
 * the ReplicaSets, the Available condition, and the Progressing condition with its
 * deadline. Pure functions of the Deployment, its ReplicaSets and the clock.
 */
import { canonicalJson } from './pod-template-hash.js';
import type { ReplicaSet } from './replicaset.js';
import {
  MinimumReplicasAvailable,
  MinimumReplicasUnavailable,
  NewRSAvailableReason,
  ReplicaSetUpdatedReason,
  TimedOutReason,
  getCondition,
  hasProgressDeadline,
  maxUnavailable,
  newCondition,
  removeCondition,
  replicasOf,
  setCondition,
  sumSpecReplicas,
  sumStatus,
  type Deployment,
  type DeploymentStatus,
} from './deployment-util.js';

/** calculateStatus: counts from the ReplicaSets plus the Available condition. */
export function calculateStatus(allRSs: Array<ReplicaSet | undefined>, newRS: ReplicaSet | undefined, d: Deployment, now: Date): DeploymentStatus {
  const availableReplicas = sumStatus(allRSs, 'availableReplicas');
  const totalReplicas = sumSpecReplicas(allRSs);
  const unavailableReplicas = Math.max(0, totalReplicas - availableReplicas);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: sumStatus(allRSs, 'replicas'),
    updatedReplicas: sumStatus([newRS], 'replicas'),
    readyReplicas: sumStatus(allRSs, 'readyReplicas'),
    availableReplicas,
    unavailableReplicas,
  };
  const conditions = d.status?.conditions;
  if (conditions?.length) status.conditions = conditions.map((c) => ({ ...c }));
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (availableReplicas >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', MinimumReplicasAvailable, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition('Available', 'False', MinimumReplicasUnavailable, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** DeploymentComplete: every replica updated and available, and the latest spec observed. */
export function deploymentComplete(d: Deployment, status: DeploymentStatus): boolean {
  const replicas = replicasOf(d);
  return (
    (status.updatedReplicas ?? 0) === replicas &&
    (status.replicas ?? 0) === replicas &&
    (status.availableReplicas ?? 0) === replicas &&
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** DeploymentProgressing: more updated, fewer old, more ready or more available pods than before. */
export function deploymentProgressing(d: Deployment, status: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (status.replicas ?? 0) - (status.updatedReplicas ?? 0);
  return (
    (status.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (status.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (status.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** DeploymentTimedOut: the Progressing condition was last updated longer than the deadline ago. */
export function deploymentTimedOut(d: Deployment, status: DeploymentStatus, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const condition = getCondition(status, 'Progressing');
  if (!condition) return false;
  if (condition.reason === NewRSAvailableReason) return false;
  if (condition.reason === TimedOutReason) return true;
  const from = condition.lastUpdateTime ? Date.parse(condition.lastUpdateTime) : NaN;
  if (Number.isNaN(from)) return false;
  return from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < now.getTime();
}

/** syncRolloutStatus's new status: calculateStatus plus the Progressing condition. */
export function rolloutStatus(allRSs: Array<ReplicaSet | undefined>, newRS: ReplicaSet | undefined, d: Deployment, now: Date): DeploymentStatus {
  const status = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
  const current = getCondition(d.status, 'Progressing');
  const complete = status.replicas === status.updatedReplicas && current?.reason === NewRSAvailableReason;
  if (hasProgressDeadline(d) && !complete) {
    const name = newRS?.metadata.name;
    if (deploymentComplete(d, status)) {
      const message = name ? `ReplicaSet "${name}" has successfully progressed.` : `Deployment "${d.metadata.name ?? ''}" has successfully progressed.`;
      setCondition(status, newCondition('Progressing', 'True', NewRSAvailableReason, message, now));
    } else if (deploymentProgressing(d, status)) {
      const message = name ? `ReplicaSet "${name}" is progressing.` : `Deployment "${d.metadata.name ?? ''}" is progressing.`;
      const condition = newCondition('Progressing', 'True', ReplicaSetUpdatedReason, message, now);
      // Progress refreshes lastUpdateTime; the transition time stays while the status stays True.
      if (current?.status === 'True' && current.lastTransitionTime) condition.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, 'Progressing');
      setCondition(status, condition);
    } else if (deploymentTimedOut(d, status, now)) {
      const message = name ? `ReplicaSet "${name}" has timed out progressing.` : `Deployment "${d.metadata.name ?? ''}" has timed out progressing.`;
      setCondition(status, newCondition('Progressing', 'False', TimedOutReason, message, now));
    }
  }
  // ReplicaFailure: the first failure condition of a ReplicaSet (newest first) is surfaced.
  const failure = replicaFailure(allRSs, newRS);
  if (failure) setCondition(status, newCondition('ReplicaFailure', 'True', failure.reason ?? 'FailedCreate', failure.message ?? '', now));
  else removeCondition(status, 'ReplicaFailure');
  return status;
}

function replicaFailure(allRSs: Array<ReplicaSet | undefined>, newRS: ReplicaSet | undefined): { reason?: string; message?: string } | undefined {
  const ordered = [newRS, ...allRSs.filter((rs) => rs !== newRS)];
  for (const rs of ordered) {
    const c = rs?.status?.conditions?.find((x) => x.type === 'ReplicaFailure' && x.status === 'True');
    if (c) return c;
  }
  return undefined;
}

/**
 * requeueStuckDeployment: how long until the progress deadline passes for a rollout that is
 * neither complete nor timed out (undefined when no check is needed).
 */
export function stuckRequeueMs(d: Deployment, status: DeploymentStatus, now: Date): number | undefined {
  const current = getCondition(d.status, 'Progressing');
  if (!hasProgressDeadline(d) || !current) return undefined;
  if (deploymentComplete(d, status) || current.reason === TimedOutReason) return undefined;
  const from = current.lastUpdateTime ? Date.parse(current.lastUpdateTime) : NaN;
  if (Number.isNaN(from)) return undefined;
  const after = from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - now.getTime();
  return after < 1000 ? 0 : after + 1000;
}

/** Whether two statuses are the same (timestamps included). */
export function sameDeploymentStatus(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  return canonicalJson(normalizeStatus(a)) === canonicalJson(normalizeStatus(b));
}

function normalizeStatus(s: DeploymentStatus | undefined): DeploymentStatus {
  const out: DeploymentStatus = {
    observedGeneration: s?.observedGeneration ?? 0,
    replicas: s?.replicas ?? 0,
    updatedReplicas: s?.updatedReplicas ?? 0,
    readyReplicas: s?.readyReplicas ?? 0,
    availableReplicas: s?.availableReplicas ?? 0,
    unavailableReplicas: s?.unavailableReplicas ?? 0,
  };
  if (s?.conditions?.length) out.conditions = s.conditions;
  if (s?.collisionCount !== undefined) out.collisionCount = s.collisionCount;
  return out;
}
