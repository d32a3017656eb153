import type { KubeObject } from '../api/types.js';
import { microTime } from './time.js';

export const leasesRef = { apiVersion: 'coordination.k8s.io/v1', plural: 'leases' };
export const leaseNamespace = 'kube-node-lease';
/** kubelet's default (--node-lease-duration-seconds 40). */
export const leaseDurationSeconds = 40;

/** The node heartbeat Lease kubelet keeps, owned by its Node so it goes when the Node goes. */
export function leaseObject(nodeName: string, nodeUid: string | undefined, now: Date): KubeObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: nodeName,
      namespace: leaseNamespace,
      ...(nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }] } : {}),
    },
    spec: { holderIdentity: nodeName, leaseDurationSeconds, renewTime: microTime(now) },
  };
}
