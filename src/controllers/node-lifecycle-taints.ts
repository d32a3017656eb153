/**
 * Taint arithmetic of the node lifecycle controller, free of I/O so it can be tested alone:
 * which condition taints a node should carry (kube's TaintNodesByCondition and NoExecute
 * tainting passes), whether a pod tolerates a taint (k8s.io/api's ToleratesTaint), and when
 * a pod on a NoExecute-tainted node is due for eviction (kube's NoExecuteTaintManager).
 */
import type { KubeObject } from '../api/types.js';
import { toleratesTaint, type Toleration } from '../api/scheduling.js';

export type { Toleration } from '../api/scheduling.js';

export const taintUnreachable = 'node.kubernetes.io/unreachable';
export const taintNotReady = 'node.kubernetes.io/not-ready';
export const taintUnschedulable = 'node.kubernetes.io/unschedulable';
export const taintMemoryPressure = 'node.kubernetes.io/memory-pressure';
export const taintDiskPressure = 'node.kubernetes.io/disk-pressure';
export const taintPIDPressure = 'node.kubernetes.io/pid-pressure';
export const taintNetworkUnavailable = 'node.kubernetes.io/network-unavailable';

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect | string;
  timeAdded?: string;
}


export interface NodeCondition {
  type: string;
  status: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface Node extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: Taint[]; [field: string]: unknown };
  status?: { conditions?: NodeCondition[]; [field: string]: unknown };
}

/** Every taint this controller owns: others' taints on a node are left alone. */
export const managedTaintKeys: ReadonlySet<string> = new Set([
  taintUnreachable,
  taintNotReady,
  taintUnschedulable,
  taintMemoryPressure,
  taintDiskPressure,
  taintPIDPressure,
  taintNetworkUnavailable,
]);

/** The pressure conditions that taint a node NoSchedule while True (kube's nodeConditionToTaintKeyStatusMap). */
const pressureTaints: ReadonlyArray<[condition: string, status: string, key: string]> = [
  ['MemoryPressure', 'True', taintMemoryPressure],
  ['DiskPressure', 'True', taintDiskPressure],
  ['PIDPressure', 'True', taintPIDPressure],
  ['NetworkUnavailable', 'True', taintNetworkUnavailable],
];

export function conditionOf(node: Node, type: string): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

/**
 * The managed taints a node should carry, as key:effect strings. A node with no Ready
 * condition yet (kubelet registering) gets no readiness taint, as in kube: the health
 * monitor marks it Unknown (hence unreachable) if kubelet never posts within the grace period.
 */
export function desiredManagedTaints(node: Node): Set<string> {
  const wanted = new Set<string>();
  const ready = conditionOf(node, 'Ready');
  const readinessKey = ready?.status === 'False' ? taintNotReady : ready?.status === 'Unknown' ? taintUnreachable : undefined;
  if (readinessKey) {
    wanted.add(`${readinessKey}:NoSchedule`);
    wanted.add(`${readinessKey}:NoExecute`);
  }
  for (const [condition, status, key] of pressureTaints) {
    if (conditionOf(node, condition)?.status === status) wanted.add(`${key}:NoSchedule`);
  }
  if (node.spec?.unschedulable === true) wanted.add(`${taintUnschedulable}:NoSchedule`);
  return wanted;
}

/**
 * The node's taint list with managed taints brought in line with `wanted`: kept ones keep
 * their timeAdded (eviction deadlines count from it), new NoExecute ones get `now`.
 * Returns undefined when nothing changes.
 */
export function reconcileTaints(node: Node, wanted: Set<string>, now: string): Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const next: Taint[] = [];
  const present = new Set<string>();
  let changed = false;
  for (const taint of current) {
    const id = `${taint.key}:${taint.effect}`;
    if (managedTaintKeys.has(taint.key) && !wanted.has(id)) {
      changed = true;
      continue;
    }
    present.add(id);
    next.push(taint);
  }
  for (const id of wanted) {
    if (present.has(id)) continue;
    const split = id.lastIndexOf(':');
    const key = id.slice(0, split);
    const effect = id.slice(split + 1);
    // kube stamps timeAdded on NoExecute taints only: they start eviction clocks.
    next.push(effect === 'NoExecute' ? { key, effect, timeAdded: now } : { key, effect });
    changed = true;
  }
  return changed ? next : undefined;
}

/** v1.Toleration.ToleratesTaint. */
export const tolerates = toleratesTaint;

export type EvictionPlan =
  | { kind: 'keep' }
  | { kind: 'now'; taint: Taint }
  | { kind: 'at'; atMs: number };

/**
 * When a pod must go given the node's NoExecute taints (kube's processPodOnNode): at once if
 * some taint is not tolerated; otherwise at the earliest taint start + the smallest
 * tolerationSeconds among the tolerations matching it; never if every matching toleration is
 * unbounded. `taintStartMs` says when a taint began (its timeAdded, made precise if known).
 */
export function planEviction(tolerations: Toleration[], taints: Taint[], taintStartMs: (taint: Taint) => number): EvictionPlan {
  let due: number | undefined;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const matching = tolerations.filter((t) => tolerates(t, taint));
    if (matching.length === 0) return { kind: 'now', taint };
    const bounded = matching.filter((t) => typeof t.tolerationSeconds === 'number');
    if (bounded.length === 0) continue;
    // kube's getMinTolerationTime: non-positive seconds mean "evict at once".
    const seconds = Math.max(0, Math.min(...bounded.map((t) => t.tolerationSeconds as number)));
    const at = taintStartMs(taint) + seconds * 1000;
    due = due === undefined ? at : Math.min(due, at);
  }
  return due === undefined ? { kind: 'keep' } : { kind: 'at', atMs: due };
}
