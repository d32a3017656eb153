/**
 * What the DaemonSet controller decides per node (kube's daemon/util and
 * NodeShouldRunDaemonPod): which nodes a daemon pod belongs on, the tolerations every daemon
 * pod gets, and the node-name affinity that lets the default scheduler place it.
 */
import { nodeSelectorTermMatches, toleratesTaint, type NodeSelectorTerm, type Taint, type Toleration } from '../api/scheduling.js';
import type { KubeObject } from '../api/types.js';

export { toleratesTaint };
export type { NodeSelectorRequirement, NodeSelectorTerm, Taint, Toleration } from '../api/scheduling.js';





export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } | null;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

export interface DaemonPodSpec {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  hostNetwork?: boolean;
  [field: string]: unknown;
}

export interface Node extends KubeObject {
  spec?: { taints?: Taint[]; unschedulable?: boolean; [field: string]: unknown };
}

/** metav1.ObjectNameField: the field key daemon pods' node affinity uses. */
export const objectNameField = 'metadata.name';

/**
 * AddOrUpdateDaemonPodTolerations: daemon pods keep running on not-ready and unreachable
 * nodes (NoExecute, forever) and are placed despite pressure or cordoning (NoSchedule).
 */
export function daemonTolerations(hostNetwork: boolean): Toleration[] {
  const tolerations: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) tolerations.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return tolerations;
}

const sameToleration = (a: Toleration, b: Toleration): boolean =>
  (a.key ?? '') === (b.key ?? '') && (a.operator ?? 'Equal') === (b.operator ?? 'Equal') && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '') && a.tolerationSeconds === b.tolerationSeconds;

/** The spec's tolerations plus the daemon ones it lacks (AddOrUpdateTolerationInPodSpec replaces same key+effect). */
export function withDaemonTolerations(spec: DaemonPodSpec): Toleration[] {
  const result = [...(spec.tolerations ?? [])];
  for (const toleration of daemonTolerations(Boolean(spec.hostNetwork))) {
    const index = result.findIndex((t) => (t.key ?? '') === toleration.key && (t.effect ?? '') === toleration.effect);
    if (index < 0) result.push(toleration);
    else if (!sameToleration(result[index]!, toleration)) result[index] = toleration;
  }
  return result;
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: required node affinity naming exactly this node. */
export function nodeNameAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const required = { nodeSelectorTerms: [{ matchFields: [{ key: objectNameField, operator: 'In', values: [nodeName] }] }] };
  return { ...(affinity ?? {}), nodeAffinity: { ...(affinity?.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: required } };
}

/** GetTargetNodeName: where a daemon pod is or will be — its node, or its node-name affinity. */
export function targetNodeName(pod: { spec?: DaemonPodSpec }): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const field of term.matchFields ?? []) {
      if (field.key === objectNameField && field.operator === 'In' && field.values?.length === 1) return field.values[0];
    }
  }
  return undefined;
}



/** nodeaffinity.GetRequiredNodeAffinity(pod).Match(node): nodeSelector and required terms (ORed). */
export function fitsNodeAffinity(spec: DaemonPodSpec, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((t) => nodeSelectorTermMatches(t, node));
}


function hasUntolerated(taints: Taint[], tolerations: Toleration[], effects: string[]): boolean {
  return taints.some((taint) => effects.includes(taint.effect) && !tolerations.some((t) => toleratesTaint(t, taint)));
}

/**
 * NodeShouldRunDaemonPod: `shouldRun` — a daemon pod belongs here; `shouldContinueRunning` —
 * an existing one may stay (a NoSchedule taint added later does not evict it, NoExecute does).
 */
export function nodeShouldRunDaemonPod(node: Node, template: DaemonPodSpec | undefined): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = template ?? {};
  const nodeName = node.metadata.name ?? '';
  if (spec.nodeName && spec.nodeName !== nodeName) return { shouldRun: false, shouldContinueRunning: false };
  if (!fitsNodeAffinity(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints ?? [];
  const tolerations = withDaemonTolerations(spec);
  if (hasUntolerated(taints, tolerations, ['NoSchedule', 'NoExecute'])) {
    return { shouldRun: false, shouldContinueRunning: !hasUntolerated(taints, tolerations, ['NoExecute']) };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/** intstr.GetScaledValueFromIntOrPercent with rounding up (maxUnavailable, maxSurge). */
export function scaledValue(value: number | string | undefined, total: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(value);
  if (match) return Math.ceil((Number(match[1]) * total) / 100);
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) ? n : fallback;
}
