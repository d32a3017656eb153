// VolumeBinding: a pod's claims must exist and be bound, unless their class waits for the
// first consumer; bound volumes' node affinity filters nodes; after a node is chosen, claims
// that waited get volume.kubernetes.io/selected-node and the pod is bound only once they are
// (kube's PreFilter, Filter and PreBind of the plugin).
import {
  annSelectedNode, claimClass, findMatchingVolume, isDelayedBinding, podClaims, volumeFitsNode,
  type PersistentVolume, type PersistentVolumeClaim, type StorageClass,
} from '../../api/storage.js';
import type { NodeSelectorTerm } from '../../api/scheduling.js';
import type { Node, Pod } from '../types.js';
import { unresolvable, type FilterStatus } from './status.js';

export const VOLUME_BINDING = 'VolumeBinding';
export const ERR_VOLUME_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_VOLUME_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
/** A class whose volumes are all made by hand: nothing is provisioned (kube's no-provisioner). */
const noProvisioner = 'kubernetes.io/no-provisioner';

/** Where the plugin reads claims, volumes and classes (the scheduler's informer caches). */
export interface VolumeListers {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  volumes(): PersistentVolume[];
  storageClass(name: string): StorageClass | undefined;
}

/** What PreFilter learned about a pod's claims, for Filter and PreBind. */
export interface PodVolumes {
  /** The node affinity of each bound volume. */
  boundTerms: NodeSelectorTerm[][];
  /** Unbound claims that wait for their first consumer (this pod). */
  delayed: PersistentVolumeClaim[];
  listers: VolumeListers;
}

export function podClaimNames(pod: Pod): string[] {
  return podClaims(pod).map((c) => c.name);
}

/** PreFilter: the pod's volume facts, a rejection for every node, or null when it uses no claim. */
export function volumeBindingPreFilter(pod: Pod, listers: VolumeListers): { volumes: PodVolumes } | { rejected: FilterStatus } | null {
  const names = podClaimNames(pod);
  if (names.length === 0) return null;
  const namespace = pod.metadata.namespace ?? 'default';
  const facts: PodVolumes = { boundTerms: [], delayed: [], listers };
  let unboundImmediate = false;
  const ephemeral = new Set(podClaims(pod).filter((c) => c.ephemeral).map((c) => c.name));
  for (const name of names) {
    const claim = listers.claim(namespace, name);
    if (!claim && ephemeral.has(name)) return { rejected: unresolvable(VOLUME_BINDING, `waiting for ephemeral volume controller to create the persistentvolumeclaim "${name}"`) };
    if (!claim) return { rejected: unresolvable(VOLUME_BINDING, `persistentvolumeclaim "${name}" not found`) };
    if (ephemeral.has(name) && !claim.metadata.ownerReferences?.some((o) => o.controller && o.uid === pod.metadata.uid)) {
      return { rejected: unresolvable(VOLUME_BINDING, `PVC ${namespace}/${name} was not created for pod ${namespace}/${pod.metadata.name ?? ''} (pod is not owner)`) };
    }
    if (claim.status?.phase === 'Lost') return { rejected: unresolvable(VOLUME_BINDING, `persistentvolumeclaim "${name}" bound to non-existent persistentvolume "${claim.spec?.volumeName ?? ''}"`) };
    if (claim.metadata.deletionTimestamp) return { rejected: unresolvable(VOLUME_BINDING, `persistentvolumeclaim "${name}" is being deleted`) };
    const volumeName = claim.spec?.volumeName;
    if (volumeName) {
      const volume = listers.volume(volumeName);
      const terms = volume?.spec?.nodeAffinity?.required?.nodeSelectorTerms;
      if (terms) facts.boundTerms.push(terms);
    } else if (isDelayedBinding(listers.storageClass(claimClass(claim)))) {
      facts.delayed.push(claim);
    } else {
      unboundImmediate = true;
    }
  }
  if (unboundImmediate) return { rejected: unresolvable(VOLUME_BINDING, ERR_UNBOUND_IMMEDIATE) };
  return { volumes: facts };
}

/** Filter: bound volumes must be reachable from the node; waiting claims need a volume there or a provisioner. */
export function volumeBindingFilter(volumes: PodVolumes | undefined, node: Node): FilterStatus | null {
  if (!volumes) return null;
  const listers = volumes.listers;
  for (const terms of volumes.boundTerms) {
    if (!volumeFitsNode({ metadata: {}, spec: { nodeAffinity: { required: { nodeSelectorTerms: terms } } } }, node)) return unresolvable(VOLUME_BINDING, ERR_VOLUME_NODE_CONFLICT);
  }
  for (const claim of volumes.delayed) {
    if (listers.storageClass(claimClass(claim))?.provisioner !== noProvisioner) continue;
    if (!findMatchingVolume(claim, listers.volumes(), { delayBinding: true, node })) return unresolvable(VOLUME_BINDING, ERR_VOLUME_BIND_CONFLICT);
  }
  return null;
}

/** A claim is bound once the PV controller finished (volumeName and phase Bound). */
export const isClaimBound = (claim: PersistentVolumeClaim | undefined): boolean => !!claim?.spec?.volumeName && claim.status?.phase === 'Bound';

export { annSelectedNode };
