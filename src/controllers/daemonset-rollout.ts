/**
 * The DaemonSet controller's pure decisions (kube's daemon_controller podsShouldBeOnNode,
 * update.go rollingUpdate with maxSurge 0, and updateDaemonSetStatus), separated from the
 * API calls so they read like kube's and can be tested alone.
 */
import type { KubeObject } from '../api/types.js';
import { controllerRevisionHashLabel } from './controller-revision.js';
import { compareDaemonPods, isPodAvailable, isPodReady, type Pod } from './daemonset-pods.js';
import { nodeShouldRunDaemonPod, scaledValue, targetNodeName, type DaemonPodSpec, type Node } from './daemonset-util.js';

export interface DaemonSetStatus {
  currentNumberScheduled?: number;
  numberMisscheduled?: number;
  desiredNumberScheduled?: number;
  numberReady?: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: unknown[];
}

export interface DaemonSet extends KubeObject {
  spec?: {
    selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
    template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[]; [field: string]: unknown }; spec?: DaemonPodSpec };
    updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
  };
  status?: DaemonSetStatus;
}

/** DaemonSets label pods with the template generation too (extensions.DaemonSetTemplateGenerationKey). */
export const templateGenerationLabel = 'pod-template-generation';

/** getNodesToDaemonPods: daemon pods by the node they run on or are meant for. */
export function podsByNode(pods: Pod[]): Map<string, Pod[]> {
  const byNode = new Map<string, Pod[]>();
  for (const pod of pods) {
    const node = targetNodeName(pod);
    if (!node) continue;
    const list = byNode.get(node);
    if (list) list.push(pod);
    else byNode.set(node, [pod]);
  }
  return byNode;
}

/** IsPodUpdated: the pod carries the current revision's hash. */
export function isPodUpdated(pod: Pod, hash: string): boolean {
  return hash !== '' && pod.metadata.labels?.[controllerRevisionHashLabel] === hash;
}

export interface NodePlan {
  /** Nodes that need a daemon pod created. */
  create: string[];
  /** Pods to delete (not needed, surplus, finished, or failed). */
  remove: Pod[];
  /** Nodes whose failed pod waits out its back-off: look again after this many ms. */
  retryAfterMs?: number;
  /** Failed pods found, for the FailedDaemonPod warning. */
  failed: Pod[];
}

/**
 * manage/podsShouldBeOnNode for every node: create where a pod belongs and none exists, keep
 * the oldest of several, drop finished pods and (after back-off) failed ones, remove pods from
 * nodes they may not stay on, and pods meant for nodes that no longer exist.
 */
export function planNodes(ds: DaemonSet, nodes: Node[], pods: Pod[], backoffLeft: (node: string) => number): NodePlan {
  const byNode = podsByNode(pods);
  const plan: NodePlan = { create: [], remove: [], failed: [] };
  const template = ds.spec?.template?.spec;
  for (const node of nodes) {
    const name = node.metadata.name ?? '';
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, template);
    const daemonPods = byNode.get(name);
    if (shouldRun && !daemonPods) {
      plan.create.push(name);
    } else if (shouldContinueRunning && daemonPods) {
      const running: Pod[] = [];
      for (const pod of daemonPods) {
        if (pod.metadata.deletionTimestamp) continue;
        const phase = pod.status?.phase;
        if (phase === 'Failed') {
          const wait = backoffLeft(name);
          if (wait > 0) plan.retryAfterMs = Math.min(plan.retryAfterMs ?? wait, wait);
          else {
            plan.failed.push(pod);
            plan.remove.push(pod);
          }
        } else if (phase === 'Succeeded') {
          plan.remove.push(pod);
        } else {
          running.push(pod);
        }
      }
      // Without surge a node keeps only its oldest running daemon pod.
      if (running.length > 1) plan.remove.push(...running.sort(compareDaemonPods).slice(1));
    } else if (!shouldContinueRunning && daemonPods) {
      plan.remove.push(...daemonPods.filter((p) => !p.metadata.deletionTimestamp));
    }
  }
  // Pods for nodes that are gone: kube deletes the unscheduled ones here and leaves bound ones
  // to the pod GC; litekube has no pod GC for vanished nodes, so both go here.
  const known = new Set(nodes.map((n) => n.metadata.name ?? ''));
  for (const [name, daemonPods] of byNode) {
    if (!known.has(name)) plan.remove.push(...daemonPods.filter((p) => !p.metadata.deletionTimestamp));
  }
  return plan;
}

/** How many daemon pods should run: nodes where shouldRun holds. */
export function desiredNumber(ds: DaemonSet, nodes: Node[]): number {
  return nodes.filter((n) => nodeShouldRunDaemonPod(n, ds.spec?.template?.spec).shouldRun).length;
}

/** findUpdatedPodsOnNode: at most one new and one old live pod, or not ok. */
function updatedPodsOnNode(pods: Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

/**
 * rollingUpdate with maxSurge 0: old pods that are not available are replaced at once; other
 * old pods only while fewer than maxUnavailable daemon pods are unavailable.
 */
export function rollingUpdateVictims(ds: DaemonSet, nodes: Node[], pods: Pod[], hash: string, now: Date): Pod[] {
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const desired = desiredNumber(ds, nodes);
  const maxUnavailable = Math.max(1, scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable, desired, 1));
  let unavailable = 0;
  const replace: Pod[] = [];
  const candidates: Pod[] = [];
  // kube walks a Go map (random order); a sorted walk keeps the rollout predictable.
  const byNode = [...podsByNode(pods)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [, nodePods] of byNode) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(nodePods, hash);
    if (!ok || (!newPod && !oldPod) || (newPod && oldPod)) {
      unavailable++;
    } else if (newPod) {
      if (!isPodAvailable(newPod, minReady, now)) unavailable++;
    } else if (oldPod) {
      if (!isPodAvailable(oldPod, minReady, now)) replace.push(oldPod);
      else if (unavailable < maxUnavailable) candidates.push(oldPod);
    }
  }
  const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
  return [...replace, ...candidates.slice(0, room)];
}

/** updateDaemonSetStatus's counts, from the oldest daemon pod on each node. */
export function calculateStatus(ds: DaemonSet, nodes: Node[], pods: Pod[], hash: string, now: Date): DaemonSetStatus {
  const byNode = podsByNode(pods);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  for (const node of nodes) {
    const daemonPods = byNode.get(node.metadata.name ?? '') ?? [];
    const { shouldRun } = nodeShouldRunDaemonPod(node, ds.spec?.template?.spec);
    if (!shouldRun) {
      if (daemonPods.length > 0) misscheduled++;
      continue;
    }
    desired++;
    if (daemonPods.length === 0) continue;
    current++;
    const pod = [...daemonPods].sort(compareDaemonPods)[0]!;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
    if (isPodUpdated(pod, hash)) updated++;
  }
  const status: DaemonSetStatus = {
    ...(ds.status ?? {}),
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
    updatedNumberScheduled: updated,
    numberAvailable: available,
    observedGeneration: ds.metadata.generation ?? ds.status?.observedGeneration,
  };
  if (desired - available > 0) status.numberUnavailable = desired - available;
  else delete status.numberUnavailable;
  return status;
}

const statusKeys: Array<keyof DaemonSetStatus> = ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount'];

export function sameStatus(a: DaemonSetStatus, b: DaemonSetStatus): boolean {
  return statusKeys.every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}
