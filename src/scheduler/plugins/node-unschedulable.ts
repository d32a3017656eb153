// NodeUnschedulable: cordoned nodes take only pods tolerating node.kubernetes.io/unschedulable.
import { toleratesTaint } from '../selectors.js';
import type { Node, Pod } from '../types.js';
import { unresolvable, type FilterStatus } from './status.js';

export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
export const ERR_NODE_UNSCHEDULABLE = 'node(s) were unschedulable';

const cordonTaint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export function nodeUnschedulableFilter(pod: Pod, node: Node): FilterStatus | null {
  if (!node.spec?.unschedulable) return null;
  if ((pod.spec?.tolerations ?? []).some((t) => toleratesTaint(t, cordonTaint))) return null;
  return unresolvable(NODE_UNSCHEDULABLE, ERR_NODE_UNSCHEDULABLE);
}
