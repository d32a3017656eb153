// NodeName: a pod naming a node fits only that node.
import type { Node, Pod } from '../types.js';
import { unresolvable, type FilterStatus } from './status.js';

export const NODE_NAME = 'NodeName';
export const ERR_NODE_NAME = "node(s) didn't match the requested node name";

export function nodeNameFilter(pod: Pod, node: Node): FilterStatus | null {
  const wanted = pod.spec?.nodeName;
  if (!wanted || wanted === node.metadata.name) return null;
  return unresolvable(NODE_NAME, ERR_NODE_NAME);
}
