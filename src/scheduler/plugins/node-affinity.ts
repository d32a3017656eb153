// NodeAffinity: spec.nodeSelector and required node affinity filter; preferred terms score.
import { nodeSelectorTermMatches, nodeSelectorTermsMatch } from '../selectors.js';
import type { Node, Pod } from '../types.js';
import { unresolvable, type FilterStatus } from './status.js';

export const NODE_AFFINITY = 'NodeAffinity';
export const ERR_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

/** Whether the node satisfies the pod's nodeSelector and required node affinity. */
export function matchesNodeSelectorAndAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) return nodeSelectorTermsMatch(required.nodeSelectorTerms ?? [], node);
  return true;
}

export function nodeAffinityFilter(pod: Pod, node: Node): FilterStatus | null {
  return matchesNodeSelectorAndAffinity(pod, node) ? null : unresolvable(NODE_AFFINITY, ERR_NODE_AFFINITY);
}

export function hasPreferredNodeAffinity(pod: Pod): boolean {
  return (pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0;
}

/** Sum of the weights of the preferred terms the node matches (normalized by the maximum). */
export function nodeAffinityScore(pod: Pod, node: Node): number {
  let score = 0;
  for (const term of pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
    if (term.weight && nodeSelectorTermMatches(term.preference ?? {}, node)) score += term.weight;
  }
  return score;
}
