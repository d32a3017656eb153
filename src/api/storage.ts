/**
 * The parts of core/v1 PersistentVolume, PersistentVolumeClaim and storage.k8s.io/v1
 * StorageClass that the binder, the provisioner, the scheduler and the kubelet read, and the
 * annotations they pass to each other (k8s.io/component-helpers/storage/volume's names).
 */
import type { KubeObject } from './types.js';
import { labelSelectorMatches, nodeSelectorTermsMatch, type LabelSelector, type NodeIdentity, type NodeSelectorTerm } from './scheduling.js';
import { parseQuantity } from './validation/quantity.js';

/** The claim's binding was completed by the PV controller (set on claims). */
export const annBindCompleted = 'pv.kubernetes.io/bind-completed';
/** The controller, not the user, filled the binding (claim's volumeName or volume's claimRef). */
export const annBoundByController = 'pv.kubernetes.io/bound-by-controller';
/** The node the scheduler chose for the claim's first consumer (WaitForFirstConsumer). */
export const annSelectedNode = 'volume.kubernetes.io/selected-node';
/** The provisioner expected to provision the claim (set by the PV controller). */
export const annStorageProvisioner = 'volume.kubernetes.io/storage-provisioner';
export const annBetaStorageProvisioner = 'volume.beta.kubernetes.io/storage-provisioner';
/** Which provisioner made a volume (set by the provisioner, read by its deleter). */
export const annDynamicallyProvisioned = 'pv.kubernetes.io/provisioned-by';
/** Finalizers that keep a claim (a volume) while a pod uses it (while it is bound). */
export const pvcProtectionFinalizer = 'kubernetes.io/pvc-protection';
export const pvProtectionFinalizer = 'kubernetes.io/pv-protection';

export const annDefaultStorageClass = 'storageclass.kubernetes.io/is-default-class';
export const annBetaDefaultStorageClass = 'storageclass.beta.kubernetes.io/is-default-class';

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface PersistentVolume extends KubeObject {
  spec?: {
    capacity?: Record<string, string | number>;
    accessModes?: string[];
    claimRef?: ObjectReference | null;
    persistentVolumeReclaimPolicy?: string;
    storageClassName?: string;
    volumeMode?: string;
    nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } | null } | null;
    hostPath?: { path?: string; type?: string };
    local?: { path?: string };
    [field: string]: unknown;
  };
  status?: { phase?: string; message?: string; reason?: string; lastPhaseTransitionTime?: string };
}

export interface PersistentVolumeClaim extends KubeObject {
  spec?: {
    accessModes?: string[];
    resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
    selector?: LabelSelector | null;
    storageClassName?: string | null;
    volumeName?: string;
    volumeMode?: string;
    [field: string]: unknown;
  };
  status?: { phase?: string; accessModes?: string[]; capacity?: Record<string, string | number>; [field: string]: unknown };
}

export interface StorageClass extends KubeObject {
  provisioner?: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
  allowedTopologies?: Array<{ matchLabelExpressions?: Array<{ key: string; values: string[] }> }>;
}

/** The claim's class name; "" is "no class" (a claim that binds only to class-less volumes). */
export const claimClass = (claim: PersistentVolumeClaim): string => claim.spec?.storageClassName ?? '';

export const volumeClass = (volume: PersistentVolume): string => volume.spec?.storageClassName ?? '';

/** A class marked default by either annotation (the beta one is still honoured). */
export const isDefaultClass = (sc: StorageClass): boolean =>
  sc.metadata.annotations?.[annDefaultStorageClass] === 'true' || sc.metadata.annotations?.[annBetaDefaultStorageClass] === 'true';

/**
 * The default class, as DefaultStorageClass admission picks it: when several are marked, the
 * newest wins (then the name, for a stable choice).
 */
export function defaultClass(classes: StorageClass[]): StorageClass | undefined {
  return classes.filter(isDefaultClass).sort((a, b) => {
    const [ta, tb] = [a.metadata.creationTimestamp ?? '', b.metadata.creationTimestamp ?? ''];
    if (ta !== tb) return ta < tb ? 1 : -1;
    return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
  })[0];
}

/** Whether a claim waits for its first consumer (the class's volumeBindingMode). */
export const isDelayedBinding = (sc: StorageClass | undefined): boolean => sc?.volumeBindingMode === 'WaitForFirstConsumer';

/** Whether the volume's claimRef names this claim (by namespace and name, and by uid when it carries one). */
export function isVolumeBoundToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = volume.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata.name || (ref.namespace ?? '') !== (claim.metadata.namespace ?? '')) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

/** The terms of a volume's required node affinity (none: any node). */
export const volumeNodeTerms = (volume: PersistentVolume): NodeSelectorTerm[] | undefined => volume.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? undefined;

/** Whether the volume's node affinity admits the node (a volume without one fits every node). */
export function volumeFitsNode(volume: PersistentVolume, node: NodeIdentity): boolean {
  const terms = volumeNodeTerms(volume);
  return terms === undefined || nodeSelectorTermsMatch(terms, node);
}

/** The claim's storage request in bytes (0 when unset or malformed). */
export const claimRequest = (claim: PersistentVolumeClaim): number => parseQuantity(claim.spec?.resources?.requests?.storage) ?? 0;

export const volumeCapacity = (volume: PersistentVolume): number => parseQuantity(volume.spec?.capacity?.storage) ?? 0;

/** Every access mode the claim asks for is one the volume offers. */
export const hasAccessModes = (volume: PersistentVolume, claim: PersistentVolumeClaim): boolean =>
  (claim.spec?.accessModes ?? []).every((mode) => (volume.spec?.accessModes ?? []).includes(mode));

/**
 * The smallest volume that can serve the claim (the PV controller's findMatchingVolume): a
 * volume already pre-bound to the claim wins; otherwise an Available, unclaimed volume of the
 * claim's class, size, access modes, volume mode and selector. A claim that waits for its
 * first consumer matches only pre-bound volumes until a node is chosen; with a node, the
 * volume's node affinity must admit it.
 */
export function findMatchingVolume(claim: PersistentVolumeClaim, volumes: Iterable<PersistentVolume>, options: { delayBinding: boolean; node?: NodeIdentity }): PersistentVolume | undefined {
  const requested = claimRequest(claim);
  const selector = claim.spec?.selector;
  let smallest: PersistentVolume | undefined;
  for (const volume of volumes) {
    if (volumeCapacity(volume) < requested) continue;
    if ((volume.spec?.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem')) continue;
    if (volume.metadata.deletionTimestamp) continue;
    const fits = !options.node || volumeFitsNode(volume, options.node);
    if (isVolumeBoundToClaim(volume, claim)) return fits ? volume : undefined;
    if (!options.node && options.delayBinding) continue;
    if (volume.status?.phase !== 'Available' || volume.spec?.claimRef) continue;
    if (selector && !labelSelectorMatches(selector, volume.metadata.labels ?? {})) continue;
    if (volumeClass(volume) !== claimClass(claim) || !fits || !hasAccessModes(volume, claim)) continue;
    if (!smallest || volumeCapacity(smallest) > volumeCapacity(volume)) smallest = volume;
  }
  return smallest;
}

/** A pod volume with a claim made for it (generic ephemeral volume). */
interface EphemeralVolume {
  name?: string;
  ephemeral?: { volumeClaimTemplate?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown> } };
  persistentVolumeClaim?: { claimName?: string };
}

/** The claim of a generic ephemeral volume: `<pod name>-<volume name>` (ephemeral.VolumeClaimName). */
export const ephemeralClaimName = (podName: string, volumeName: string): string => `${podName}-${volumeName}`;

/**
 * The claims a pod's volumes name: persistentVolumeClaim ones and those of generic ephemeral
 * volumes, with which is which (an ephemeral claim must be owned by the pod).
 */
export function podClaims(pod: KubeObject): Array<{ name: string; ephemeral: boolean }> {
  const volumes = ((pod.spec ?? {}) as { volumes?: EphemeralVolume[] }).volumes ?? [];
  const claims: Array<{ name: string; ephemeral: boolean }> = [];
  for (const volume of volumes) {
    if (volume.persistentVolumeClaim?.claimName) claims.push({ name: volume.persistentVolumeClaim.claimName, ephemeral: false });
    else if (volume.ephemeral && volume.name) claims.push({ name: ephemeralClaimName(pod.metadata.name ?? '', volume.name), ephemeral: true });
  }
  return claims;
}
