/**
 * StatefulSet pod identity and storage (kube's statefulset/stateful_set_utils.go): pods named
 * `<set>-<ordinal>` with stable hostname and labels, one PersistentVolumeClaim per claim
 * template and pod named `<claim>-<set>-<ordinal>`, and the pod predicates the update loop uses.
 */
import type { KubeObject } from '../api/types.js';
import { controllerRevisionHashLabel } from './controller-revision.js';
import { newControllerRef } from './owners.js';
import { isPodAvailable } from './replicaset.js';

export const podNameLabel = 'statefulset.kubernetes.io/pod-name';
export const podIndexLabel = 'apps.kubernetes.io/pod-index';

export interface PodCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  [field: string]: unknown;
}

export interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  [field: string]: unknown;
}

export interface Pod extends KubeObject {
  spec?: { hostname?: string; subdomain?: string; volumes?: Volume[]; [field: string]: unknown };
  status?: { phase?: string; conditions?: PodCondition[]; [field: string]: unknown };
}

export interface PersistentVolumeClaim extends KubeObject {
  spec?: Record<string, unknown>;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[]; [field: string]: unknown };
  spec?: Record<string, unknown>;
}

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas?: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: unknown[];
}

export interface StatefulSet extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
    template?: PodTemplate;
    volumeClaimTemplates?: PersistentVolumeClaim[];
    serviceName?: string;
    podManagementPolicy?: 'OrderedReady' | 'Parallel';
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { partition?: number; maxUnavailable?: number | string } };
    revisionHistoryLimit?: number;
    minReadySeconds?: number;
    persistentVolumeClaimRetentionPolicy?: { whenDeleted?: 'Retain' | 'Delete'; whenScaled?: 'Retain' | 'Delete' };
    ordinals?: { start?: number };
  };
  status?: StatefulSetStatus;
}

const ordinalPattern = /^(.*)-([0-9]+)$/;

/** getParentNameAndOrdinal: `web-2` → web, 2 (ordinal -1 when the name has none). */
export function parentAndOrdinal(pod: KubeObject): { parent: string; ordinal: number } {
  const match = ordinalPattern.exec(pod.metadata.name ?? '');
  if (!match) return { parent: '', ordinal: -1 };
  const ordinal = Number.parseInt(match[2]!, 10);
  return { parent: match[1]!, ordinal: Number.isSafeInteger(ordinal) ? ordinal : -1 };
}

export const ordinalOf = (pod: KubeObject): number => parentAndOrdinal(pod).ordinal;

/** isMemberOf: the pod's name says it belongs to this set. */
export function isMemberOf(set: StatefulSet, pod: KubeObject): boolean {
  return parentAndOrdinal(pod).parent === set.metadata.name;
}

export const startOrdinal = (set: StatefulSet): number => set.spec?.ordinals?.start ?? 0;
export const podName = (set: StatefulSet, ordinal: number): string => `${set.metadata.name ?? ''}-${ordinal}`;
export const claimName = (set: StatefulSet, claim: PersistentVolumeClaim, ordinal: number): string => `${claim.metadata.name ?? ''}-${set.metadata.name ?? ''}-${ordinal}`;

export const isCreated = (pod: Pod): boolean => Boolean(pod.status?.phase);
export const isTerminating = (pod: Pod): boolean => Boolean(pod.metadata.deletionTimestamp);
export const isFailed = (pod: Pod): boolean => pod.status?.phase === 'Failed';
export const isSucceeded = (pod: Pod): boolean => pod.status?.phase === 'Succeeded';
export const isPending = (pod: Pod): boolean => pod.status?.phase === 'Pending';
export const podRevision = (pod: Pod): string => pod.metadata.labels?.[controllerRevisionHashLabel] ?? '';

export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && (pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
}

/** Running and available as the ReplicaSet controller counts it (ready for more than minReadySeconds). */
export function isRunningAndAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  return pod.status?.phase === 'Running' && isPodAvailable(pod, minReadySeconds, now);
}

export const isHealthy = (pod: Pod): boolean => isRunningAndReady(pod) && !isTerminating(pod);

/** getPersistentVolumeClaims: the claims a pod of this ordinal uses, labelled with the set's selector. */
export function claimsFor(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  const retention = set.spec?.persistentVolumeClaimRetentionPolicy;
  return (set.spec?.volumeClaimTemplates ?? []).map((template) => {
    const meta = template.metadata ?? {};
    const claim: PersistentVolumeClaim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: claimName(set, template, ordinal),
        namespace: set.metadata.namespace,
        labels: { ...(meta.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
        ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      },
      spec: structuredClone(template.spec ?? {}),
    };
    // whenDeleted: Delete — the claim goes with the set, through the garbage collector.
    if (retention?.whenDeleted === 'Delete') claim.metadata.ownerReferences = [{ ...newControllerRef(set, 'apps/v1', 'StatefulSet'), controller: false }];
    return claim;
  });
}

/** updateStorage: the pod's volumes with one per claim template pointing at its claim. */
function storageVolumes(set: StatefulSet, ordinal: number, volumes: Volume[]): Volume[] {
  const templates = set.spec?.volumeClaimTemplates ?? [];
  const claimed = new Set(templates.map((t) => t.metadata.name ?? ''));
  const result: Volume[] = templates.map((t) => ({ name: t.metadata.name ?? '', persistentVolumeClaim: { claimName: claimName(set, t, ordinal) } }));
  return [...result, ...volumes.filter((v) => !claimed.has(v.name))];
}

/** identityMatches: name, namespace and the identity labels are right. */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod);
  return ordinal >= 0 && parent === set.metadata.name && pod.metadata.namespace === set.metadata.namespace && pod.metadata.labels?.[podNameLabel] === pod.metadata.name && pod.metadata.labels?.[podIndexLabel] === String(ordinal);
}

/** storageMatches: every claim template is mounted from this pod's claim. */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = ordinalOf(pod);
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  return (set.spec?.volumeClaimTemplates ?? []).every((t) => volumes.get(t.metadata.name ?? '')?.persistentVolumeClaim?.claimName === claimName(set, t, ordinal));
}

/**
 * newStatefulSetPod: the template with the set as controller, then initIdentity (name,
 * pod-name and pod-index labels, hostname = pod name, subdomain = serviceName) and storage.
 */
export function newStatefulSetPod(set: StatefulSet, template: PodTemplate, ordinal: number, revision: string): Pod {
  const meta = template.metadata ?? {};
  const spec = structuredClone(template.spec ?? {});
  const name = podName(set, ordinal);
  const volumes = storageVolumes(set, ordinal, (spec.volumes as Volume[] | undefined) ?? []);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels: { ...(meta.labels ?? {}), [podNameLabel]: name, [podIndexLabel]: String(ordinal), [controllerRevisionHashLabel]: revision },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [newControllerRef(set, 'apps/v1', 'StatefulSet')],
    },
    spec: {
      ...spec,
      hostname: name,
      ...(set.spec?.serviceName ? { subdomain: set.spec.serviceName } : {}),
      ...(volumes.length ? { volumes } : {}),
    },
  };
}
