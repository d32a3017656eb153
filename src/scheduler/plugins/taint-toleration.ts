// TaintToleration: NoSchedule/NoExecute taints must be tolerated; PreferNoSchedule ones score.
import { findUntoleratedTaint, toleratesTaint } from '../selectors.js';
import type { Node, Pod } from '../types.js';
import { unresolvable, type FilterStatus } from './status.js';

export const TAINT_TOLERATION = 'TaintToleration';

export function taintTolerationFilter(pod: Pod, node: Node): FilterStatus | null {
  const taint = findUntoleratedTaint(node.spec?.taints ?? [], pod.spec?.tolerations ?? [], (e) => e === 'NoSchedule' || e === 'NoExecute');
  if (!taint) return null;
  return unresolvable(TAINT_TOLERATION, `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
}

/** How many PreferNoSchedule taints the pod does not tolerate (fewer is better). */
export function taintTolerationScore(pod: Pod, node: Node): number {
  const tolerations = (pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
  let count = 0;
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect === 'PreferNoSchedule' && !tolerations.some((t) => toleratesTaint(t, taint))) count++;
  }
  return count;
}
