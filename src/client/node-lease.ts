import type { KubeObject } from '../api/types.js';
import { microTime } from '../api/time.js';
import { statusCode } from './errors.js';
import type { Client } from './types.js';

/** The node heartbeat every node agent keeps (real or simulated), as kubelet's nodelease does. */
export const leasesRef = { apiVersion: 'coordination.k8s.io/v1', plural: 'leases' };
export const leaseNamespace = 'kube-node-lease';
/** kubelet's default (--node-lease-duration-seconds 40). */
export const leaseDurationSeconds = 40;

/** The Lease, owned by its Node so it goes when the Node goes. */
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

/** Renews the node's Lease, creating it when it does not exist yet. */
export async function renewLease(client: Client, nodeName: string, nodeUid: string | undefined, now: Date): Promise<void> {
  try {
    await client.patch(leasesRef, leaseNamespace, nodeName, 'merge', { spec: { holderIdentity: nodeName, renewTime: microTime(now) } }, { fieldManager: 'kubelet' });
  } catch (error: unknown) {
    if (statusCode(error) !== 404) throw error;
    await client.create(leasesRef, leaseNamespace, leaseObject(nodeName, nodeUid, now), { fieldManager: 'kubelet' });
  }
}
