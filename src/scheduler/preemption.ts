// DefaultPreemption's dry run (kube-scheduler's PostFilter), without API calls: which nodes
// removing lower-priority pods could fix, the fewest victims per node (kube's "reprieve"), and
// kube's order for picking one node. preemptor.ts acts on the result.
import type { KubeObject } from '../api/types.js';
import { filterNode, preFilter, type CycleState } from './algorithm.js';
import { NodeInfo, type PodInfo } from './cache.js';
import type { FilterStatus } from './plugins/status.js';
import { labelSelectorMatches } from './selectors.js';
import type { LabelSelector } from './types.js';

/** The parts of policy/v1 PodDisruptionBudget preemption reads. */
export interface PodDisruptionBudget extends KubeObject {
  spec?: { selector?: LabelSelector | null; [field: string]: unknown };
  status?: { disruptionsAllowed?: number; disruptedPods?: Record<string, string>; [field: string]: unknown };
}

/** A node where preemption would let the pod fit, and what it would cost. */
export interface Candidate {
  nodeName: string;
  /** Most important first. */
  victims: PodInfo[];
  pdbViolations: number;
}

export const NOT_ELIGIBLE_NEVER = 'not eligible due to preemptionPolicy=Never.';
export const NOT_ELIGIBLE_TERMINATING = 'not eligible due to a terminating pod on the nominated node.';

const startTime = (p: PodInfo): string => {
  const value = p.pod.status?.['startTime'];
  return typeof value === 'string' ? value : '';
};

/** kube's MoreImportantPod as a sort comparator: higher priority first, then the earlier start. */
export function moreImportantFirst(a: PodInfo, b: PodInfo): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  const [sa, sb] = [startTime(a), startTime(b)];
  // A pod without a start time has not started: kube treats it as less important.
  if (sa === sb) return 0;
  if (!sa) return 1;
  if (!sb) return -1;
  return sa < sb ? -1 : 1;
}

/** Copies a node's pods so the dry run can remove and re-add them without touching the cache. */
function cloneNode(node: NodeInfo): NodeInfo {
  const copy = new NodeInfo(node.name);
  if (node.node) copy.setNode(node.node);
  for (const p of node.pods.values()) copy.addPod(p);
  return copy;
}

/**
 * Whether the pod passes every filter on the simulated node. Spread and pod (anti-)affinity
 * state is cluster-wide, so it is recomputed with the simulated node in place (kube updates it
 * incrementally with AddPod/RemovePod; recomputing is simpler and equal).
 */
function fits(pod: PodInfo, sim: NodeInfo, nodes: NodeInfo[], base: CycleState): boolean {
  const state = base.spread === null && base.affinity === null ? base : preFilter(pod, nodes.map((n) => (n.name === sim.name ? sim : n)));
  return filterNode(state, sim) === null;
}

/** Splits pods (in order) by whether evicting them, one after another, would break a PDB. */
export function splitByPdbViolation(pods: PodInfo[], pdbs: PodDisruptionBudget[]): { violating: PodInfo[]; nonViolating: PodInfo[] } {
  const allowed = pdbs.map((p) => p.status?.disruptionsAllowed ?? 0);
  const violating: PodInfo[] = [];
  const nonViolating: PodInfo[] = [];
  for (const pod of pods) {
    let violates = false;
    pdbs.forEach((pdb, i) => {
      if ((pdb.metadata.namespace ?? 'default') !== pod.namespace) return;
      const selector = pdb.spec?.selector;
      // kube: a nil or empty PDB selector matches no pods.
      if (!selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)) return;
      if (!labelSelectorMatches(selector, pod.labels)) return;
      // Already counted as disrupted by the disruption controller: evicting it costs nothing more.
      if (pdb.status?.disruptedPods && pod.pod.metadata.name && pod.pod.metadata.name in pdb.status.disruptedPods) return;
      allowed[i]!--;
      if (allowed[i]! < 0) violates = true;
    });
    (violates ? violating : nonViolating).push(pod);
  }
  return { violating, nonViolating };
}

/**
 * selectVictimsOnNode: remove every lower-priority pod; if the pod then fits, put victims back
 * from the most important down while it still fits (PDB-violating ones first, so they are the
 * likeliest to be spared). Null when even removing them all does not help.
 */
export function selectVictimsOnNode(pod: PodInfo, node: NodeInfo, nodes: NodeInfo[], base: CycleState, pdbs: PodDisruptionBudget[]): Candidate | null {
  const sim = cloneNode(node);
  const lower = [...sim.pods.values()].filter((p) => p.priority < pod.priority);
  for (const p of lower) sim.removePod(p.key);
  if (!fits(pod, sim, nodes, base)) return null;
  lower.sort(moreImportantFirst);
  const { violating, nonViolating } = splitByPdbViolation(lower, pdbs);
  const victims: PodInfo[] = [];
  let pdbViolations = 0;
  const reprieve = (p: PodInfo, violates: boolean): void => {
    sim.addPod(p);
    if (fits(pod, sim, nodes, base)) return;
    sim.removePod(p.key);
    victims.push(p);
    if (violates) pdbViolations++;
  };
  for (const p of violating) reprieve(p, true);
  for (const p of nonViolating) reprieve(p, false);
  victims.sort(moreImportantFirst);
  return { nodeName: node.name, victims, pdbViolations };
}

/** Nodes whose failure eviction might fix: rejected only as Unschedulable (not Unresolvable). */
export function nodesWherePreemptionMightHelp(nodes: NodeInfo[], statuses: Map<string, FilterStatus>): NodeInfo[] {
  return nodes.filter((n) => statuses.get(n.name)?.code !== 'UnschedulableAndUnresolvable');
}

/** The dry run over all potential nodes (kube samples a subset on big clusters; we try all). */
export function findCandidates(pod: PodInfo, nodes: NodeInfo[], statuses: Map<string, FilterStatus>, pdbs: PodDisruptionBudget[]): Candidate[] {
  const potential = nodesWherePreemptionMightHelp(nodes, statuses);
  if (potential.length === 0) return [];
  const base = preFilter(pod, nodes);
  const out: Candidate[] = [];
  for (const node of potential) {
    const candidate = selectVictimsOnNode(pod, node, nodes, base, pdbs);
    if (candidate) out.push(candidate);
  }
  return out;
}

// kube adds MaxInt32+1 to each priority so negative priorities still sum to positive numbers;
// it also makes fewer victims weigh more than their priorities, so we keep it.
const PRIORITY_OFFSET = 2 ** 31;

/**
 * pickOneNodeForPreemption: fewest PDB violations, lowest highest-victim priority, smallest
 * sum of (offset) victim priorities, fewest victims, then the first. (kube's further tie-break
 * on the latest start time of the top victims is left out.)
 */
export function pickCandidate(candidates: Candidate[]): Candidate | undefined {
  const key = (c: Candidate): number[] => [
    c.pdbViolations,
    c.victims[0]?.priority ?? -Infinity,
    c.victims.reduce((sum, v) => sum + v.priority + PRIORITY_OFFSET, 0),
    c.victims.length,
  ];
  const less = (a: number[], b: number[]): boolean => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
    return false;
  };
  let best: Candidate | undefined;
  let bestKey: number[] = [];
  for (const c of candidates) {
    const k = key(c);
    if (!best || less(k, bestKey)) {
      best = c;
      bestKey = k;
    }
  }
  return best;
}

/** Whether a pod was evicted to make room for another (kube: deletionTimestamp and DisruptionTarget). */
export function terminatingByPreemption(p: PodInfo): boolean {
  if (!p.pod.metadata.deletionTimestamp) return false;
  return (p.pod.status?.conditions ?? []).some((c) => c.type === 'DisruptionTarget' && c.reason === 'PreemptionByScheduler');
}

/**
 * PodEligibleToPreemptOthers: '' when the pod may preempt, else kube's reason. A pod whose
 * nominated node still has lower-priority victims terminating waits for them instead of
 * preempting more pods.
 */
export function ineligibility(pod: PodInfo, nominated: NodeInfo | undefined, nominatedStatus: FilterStatus | undefined, terminating: (p: PodInfo) => boolean): string {
  if (pod.pod.spec?.preemptionPolicy === 'Never') return NOT_ELIGIBLE_NEVER;
  if (!nominated || nominatedStatus?.code === 'UnschedulableAndUnresolvable') return '';
  for (const p of nominated.pods.values()) {
    if (p.priority < pod.priority && terminating(p)) return NOT_ELIGIBLE_TERMINATING;
  }
  return '';
}
