// NodePorts: a host port (ip, protocol, port) may be used by one pod per node; 0.0.0.0 clashes with every ip.
import type { HostPort, NodeInfo, PodInfo } from '../cache.js';
import { unschedulable, type FilterStatus } from './status.js';

export const NODE_PORTS = 'NodePorts';
export const ERR_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

function conflicts(a: HostPort, b: HostPort): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol) return false;
  return a.ip === b.ip || a.ip === '0.0.0.0' || b.ip === '0.0.0.0';
}

export function nodePortsFilter(pod: PodInfo, node: NodeInfo): FilterStatus | null {
  if (pod.hostPorts.length === 0) return null;
  for (const other of node.pods.values()) {
    if (other.key === pod.key) continue;
    for (const used of other.hostPorts) {
      for (const wanted of pod.hostPorts) if (conflicts(used, wanted)) return unschedulable(NODE_PORTS, ERR_NODE_PORTS);
    }
  }
  return null;
}
