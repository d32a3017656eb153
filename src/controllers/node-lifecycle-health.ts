/**
 * Node health arithmetic of the node lifecycle controller (kube's tryUpdateNodeHealth),
 * free of I/O: when a node was last heard from, and the conditions it gets once it has
 * been silent longer than the grace period.
 */
import type { KubeObject } from '../api/types.js';
import { conditionOf, type Node, type NodeCondition } from './node-lifecycle-taints.js';
import { kubeTime } from '../api/time.js';

export { kubeTime };

export interface Lease extends KubeObject {
  spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
}

/** The conditions kube marks Unknown when kubelet goes silent (kube's nodeConditionsToUpdate). */
export const monitoredConditions = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

const parse = (time: string | undefined): number | undefined => {
  if (!time) return undefined;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : ms;
};

/**
 * When kubelet last showed signs of life: the later of its Lease renewal and the Ready
 * heartbeat in node status (either one counts, as in kube). A node that never posted either
 * counts from its creation, so it gets the grace period to register.
 */
export function lastHeardMs(node: Node, lease: Lease | undefined): number {
  const renew = parse(lease?.spec?.renewTime);
  const heartbeat = parse(conditionOf(node, 'Ready')?.lastHeartbeatTime);
  if (renew === undefined && heartbeat === undefined) return parse(node.metadata.creationTimestamp) ?? 0;
  return Math.max(renew ?? 0, heartbeat ?? 0);
}

/**
 * The node's conditions with the monitored ones set to Unknown, as kube does for a silent
 * node: existing ones keep lastHeartbeatTime and get a new lastTransitionTime; missing ones
 * say kubelet never posted. Returns undefined when they already are all Unknown.
 */
export function unknownConditions(node: Node, now: string): NodeCondition[] | undefined {
  const conditions = (node.status?.conditions ?? []).map((c) => ({ ...c }));
  let changed = false;
  for (const type of monitoredConditions) {
    const current = conditions.find((c) => c.type === type);
    if (!current) {
      conditions.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata.creationTimestamp,
        lastTransitionTime: now,
      });
      changed = true;
    } else if (current.status !== 'Unknown') {
      current.status = 'Unknown';
      current.reason = 'NodeStatusUnknown';
      current.message = 'Kubelet stopped posting node status.';
      current.lastTransitionTime = now;
      changed = true;
    }
  }
  return changed ? conditions : undefined;
}

