/**
 * The arithmetic of the disruption controller (kube's pkg/controller/disruption), kept apart
 * from the informers so it can be read and tested on its own: which pods a budget covers,
 * which of them count as healthy, and the status that results.
 */
import type { KubeObject } from '../api/types.js';
import { selectorMatches } from '../api/validation/selector.js';
import type { Pod } from './replicaset.js';
import { kubeTime } from '../api/time.js';

/** How long an eviction may take to show up as a deleting pod (kube's DeletionTimeout). */
export const deletionTimeoutMs = 2 * 60 * 1000;

export interface BudgetCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

export interface BudgetStatus {
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  expectedPods?: number;
  conditions?: BudgetCondition[];
}

export interface PodDisruptionBudget extends KubeObject {
  spec?: {
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } | null;
    unhealthyPodEvictionPolicy?: string;
  };
  status?: BudgetStatus;
}

/**
 * Whether a budget covers pods with these labels. policy/v1: a missing selector selects
 * nothing, an empty one every pod of the namespace.
 */
export function budgetSelects(pdb: PodDisruptionBudget, labels: Record<string, string> | undefined): boolean {
  const selector = pdb.spec?.selector;
  if (selector === undefined || selector === null) return false;
  return selectorMatches(selector, labels ?? {});
}

/** A spec the status cannot be computed from; the budget fails safe. */
export class BudgetSpecError extends Error {}

/** intstr.GetScaledValueFromIntOrPercent; throws on a malformed percentage. */
export function scaledValue(value: number | string, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(value);
  if (!match) throw new BudgetSpecError(`invalid value for IntOrString: invalid value "${value}"`);
  const scaled = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** Whether the budget needs the owning controllers' scale (kube only asks for it then). */
export function needsScale(pdb: PodDisruptionBudget): boolean {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) return true;
  return typeof spec.minAvailable === 'string';
}

/** getExpectedPodCount: expected pods and desired healthy from the spec and the scale. */
export function expectedAndDesired(pdb: PodDisruptionBudget, podCount: number, scale: number): { expectedPods: number; desiredHealthy: number } {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    const maxUnavailable = scaledValue(spec.maxUnavailable, scale, true);
    return { expectedPods: scale, desiredHealthy: Math.max(0, scale - maxUnavailable) };
  }
  if (typeof spec.minAvailable === 'number') return { expectedPods: podCount, desiredHealthy: spec.minAvailable };
  if (typeof spec.minAvailable === 'string') return { expectedPods: scale, desiredHealthy: scaledValue(spec.minAvailable, scale, true) };
  return { expectedPods: podCount, desiredHealthy: 0 };
}

/**
 * buildDisruptedPodMap: evictions not yet seen as deleting pods, dropping pods that are gone,
 * already deleting, or were evicted more than two minutes ago. recheckAt is when the oldest
 * remaining entry expires, so the budget is synced again then.
 */
export function disruptedPodMap(pods: Pod[], pdb: PodDisruptionBudget, now: Date): { disrupted: Record<string, string>; recheckAt?: number } {
  const recorded = pdb.status?.disruptedPods ?? {};
  const disrupted: Record<string, string> = {};
  let recheckAt: number | undefined;
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    if (pod.metadata.deletionTimestamp || !(name in recorded)) continue;
    const expires = Date.parse(recorded[name]) + deletionTimeoutMs;
    if (Number.isNaN(expires) || expires < now.getTime()) continue;
    disrupted[name] = recorded[name];
    if (recheckAt === undefined || expires < recheckAt) recheckAt = expires;
  }
  return { disrupted, recheckAt };
}

function isReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/** countHealthyPods: Running and Ready, not deleting, not just evicted. */
export function countHealthy(pods: Pod[], disrupted: Record<string, string>): number {
  return pods.filter((pod) => !pod.metadata.deletionTimestamp && !((pod.metadata.name ?? '') in disrupted) && pod.status?.phase === 'Running' && isReady(pod)).length;
}

/** apimeta.SetStatusCondition: the transition time moves only when the status changes. */
export function setCondition(conditions: BudgetCondition[], condition: BudgetCondition, now: Date): BudgetCondition[] {
  const existing = conditions.find((c) => c.type === condition.type);
  const lastTransitionTime = existing && existing.status === condition.status && existing.lastTransitionTime ? existing.lastTransitionTime : kubeTime(now);
  return [...conditions.filter((c) => c.type !== condition.type), { ...condition, lastTransitionTime }];
}

/** UpdateDisruptionAllowedCondition. */
export function allowedCondition(status: BudgetStatus, now: Date): BudgetCondition[] {
  const allowed = (status.disruptionsAllowed ?? 0) > 0;
  return setCondition(status.conditions ?? [], {
    type: 'DisruptionAllowed',
    status: allowed ? 'True' : 'False',
    reason: allowed ? 'SufficientPods' : 'InsufficientPods',
    message: '',
    observedGeneration: status.observedGeneration,
  }, now);
}

/** The status a budget should have; undefined when the stored one already says so. */
export function nextStatus(pdb: PodDisruptionBudget, counts: { currentHealthy: number; desiredHealthy: number; expectedPods: number; disrupted: Record<string, string> }, now: Date): BudgetStatus | undefined {
  const old = pdb.status ?? {};
  let disruptionsAllowed = counts.currentHealthy - counts.desiredHealthy;
  if (counts.expectedPods <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  const generation = pdb.metadata.generation ?? 1;
  const status: BudgetStatus = {
    ...old,
    observedGeneration: generation,
    disruptionsAllowed,
    currentHealthy: counts.currentHealthy,
    desiredHealthy: counts.desiredHealthy,
    expectedPods: counts.expectedPods,
  };
  if (Object.keys(counts.disrupted).length) status.disruptedPods = counts.disrupted;
  else delete status.disruptedPods;
  status.conditions = allowedCondition(status, now);
  return sameStatus(old, status) ? undefined : status;
}

/** Compared without transition times, which setCondition keeps when nothing else changed. */
function sameStatus(a: BudgetStatus, b: BudgetStatus): boolean {
  const key = (s: BudgetStatus): string => JSON.stringify([
    s.observedGeneration, s.disruptionsAllowed, s.currentHealthy, s.desiredHealthy, s.expectedPods,
    Object.entries(s.disruptedPods ?? {}).sort(),
    (s.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message, c.observedGeneration, c.lastTransitionTime]),
  ]);
  return key(a) === key(b);
}

/** failSafe: when the budget cannot be computed, allow nothing and say why. */
export function failSafeStatus(pdb: PodDisruptionBudget, message: string, now: Date): BudgetStatus {
  const status: BudgetStatus = { ...(pdb.status ?? {}), disruptionsAllowed: 0 };
  status.conditions = setCondition(status.conditions ?? [], {
    type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message, observedGeneration: status.observedGeneration,
  }, now);
  return status;
}
