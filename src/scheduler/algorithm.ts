// One scheduling attempt: filter the nodes (stopping at the first failing plugin per node, in
// kube's plugin order), score the feasible ones, pick the best; or explain why none fits.
import type { NodeInfo, PodInfo } from './cache.js';
import { interPodAffinityFilter, interPodAffinityNormalize, interPodAffinityPreFilter, interPodAffinityPreScore, interPodAffinityScore, type InterPodAffinityFilterState } from './plugins/inter-pod-affinity.js';
import { hasPreferredNodeAffinity, nodeAffinityFilter, nodeAffinityScore } from './plugins/node-affinity.js';
import { nodeNameFilter } from './plugins/node-name.js';
import { nodePortsFilter } from './plugins/node-ports.js';
import { balancedAllocationScore, leastAllocatedScore, nodeResourcesFitFilter } from './plugins/node-resources.js';
import { nodeUnschedulableFilter } from './plugins/node-unschedulable.js';
import { defaultNormalize, type FilterStatus } from './plugins/status.js';
import { taintTolerationFilter, taintTolerationScore } from './plugins/taint-toleration.js';
import { volumeBindingFilter } from './plugins/volume-binding.js';
import { topologySpreadFilter, topologySpreadNormalize, topologySpreadPreFilter, topologySpreadPreScore, topologySpreadScore, type TopologySpreadFilterState } from './plugins/topology-spread.js';

export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';
const MIN_FEASIBLE_NODES = 100;
const MIN_FEASIBLE_PERCENTAGE = 5;

/** Default score weights (kube-scheduler's default profile). */
export const SCORE_WEIGHTS = {
  TaintToleration: 3,
  NodeAffinity: 2,
  NodeResourcesFit: 1,
  PodTopologySpread: 2,
  InterPodAffinity: 2,
  NodeResourcesBalancedAllocation: 1,
} as const;

export interface CycleState {
  pod: PodInfo;
  spread: TopologySpreadFilterState | null;
  affinity: InterPodAffinityFilterState | null;
}

export function preFilter(pod: PodInfo, nodes: NodeInfo[]): CycleState {
  const needsAffinity = pod.requiredAffinity.length > 0 || pod.requiredAntiAffinity.length > 0 || nodes.some((n) => n.podsWithRequiredAntiAffinity.size > 0);
  return {
    pod,
    spread: topologySpreadPreFilter(pod, nodes),
    affinity: needsAffinity ? interPodAffinityPreFilter(pod, nodes) : null,
  };
}

/** Runs the filters in order; the first failure decides the node's status. */
export function filterNode(state: CycleState, node: NodeInfo): FilterStatus | null {
  const pod = state.pod.pod;
  const n = node.node!;
  return nodeUnschedulableFilter(pod, n)
    ?? nodeNameFilter(pod, n)
    ?? taintTolerationFilter(pod, n)
    ?? nodeAffinityFilter(pod, n)
    ?? nodePortsFilter(state.pod, node)
    ?? nodeResourcesFitFilter(state.pod, node)
    ?? volumeBindingFilter(state.pod.volumes, n)
    ?? topologySpreadFilter(state.spread, node)
    ?? (state.affinity ? interPodAffinityFilter(state.affinity, node) : null);
}

/** Total weighted scores of the feasible nodes, in their order. */
export function scoreNodes(pod: PodInfo, feasible: NodeInfo[], all: NodeInfo[]): number[] {
  const totals = new Array<number>(feasible.length).fill(0);
  const addPlugin = (weight: number, raw: number[]): void => {
    for (let i = 0; i < raw.length; i++) totals[i]! += weight * raw[i]!;
  };
  addPlugin(SCORE_WEIGHTS.NodeResourcesFit, feasible.map((n) => leastAllocatedScore(pod, n)));
  addPlugin(SCORE_WEIGHTS.NodeResourcesBalancedAllocation, feasible.map((n) => balancedAllocationScore(pod, n)));
  if (hasPreferredNodeAffinity(pod.pod)) {
    const raw = feasible.map((n) => nodeAffinityScore(pod.pod, n.node!));
    defaultNormalize(raw, false);
    addPlugin(SCORE_WEIGHTS.NodeAffinity, raw);
  }
  {
    const raw = feasible.map((n) => taintTolerationScore(pod.pod, n.node!));
    defaultNormalize(raw, true);
    addPlugin(SCORE_WEIGHTS.TaintToleration, raw);
  }
  const spread = topologySpreadPreScore(pod, feasible, all);
  if (spread) {
    const raw = feasible.map((n) => topologySpreadScore(spread, pod, n));
    topologySpreadNormalize(spread, feasible, raw);
    addPlugin(SCORE_WEIGHTS.PodTopologySpread, raw);
  }
  const affinity = interPodAffinityPreScore(pod, all);
  if (affinity) {
    const raw = feasible.map((n) => interPodAffinityScore(affinity, n));
    interPodAffinityNormalize(raw);
    addPlugin(SCORE_WEIGHTS.InterPodAffinity, raw);
  }
  return totals;
}

/** Why a pod fits nowhere: each evaluated node's status. */
export class FitError extends Error {
  constructor(readonly pod: PodInfo, readonly numAllNodes: number, readonly statuses: Map<string, FilterStatus>, readonly preemptionMessage: string) {
    super(fitErrorMessage(numAllNodes, [...statuses.values()], preemptionMessage));
    this.name = 'FitError';
  }

  /** Plugins that rejected the pod somewhere. */
  plugins(): Set<string> {
    return new Set([...this.statuses.values()].map((s) => s.plugin));
  }
}

function histogram(reasons: string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n} ${r}`).sort().join(', ');
}

/** kube's FitError text: `0/3 nodes are available: 3 Insufficient cpu.` plus the PostFilter (preemption) part. */
export function fitErrorMessage(numAllNodes: number, statuses: FilterStatus[], postFilterMessage = '', preFilterMessage = ''): string {
  let message = `0/${numAllNodes} nodes are available:`;
  // A PreFilter rejection is said once, not per node.
  const sorted = preFilterMessage || histogram(statuses.flatMap((s) => s.reasons));
  if (sorted) message += ` ${sorted}.`;
  if (postFilterMessage) message += ` ${postFilterMessage}`;
  return message;
}

/**
 * What DefaultPreemption reports when it cannot help: nodes failing for a reason eviction cannot
 * change are "not helpful"; the others have no victims (no preemption is done here).
 */
export function preemptionMessage(pod: PodInfo, numAllNodes: number, statuses: FilterStatus[]): string {
  if (pod.pod.spec?.preemptionPolicy === 'Never') return '';
  const reasons = statuses.map((s) => (s.code === 'UnschedulableAndUnresolvable' ? 'Preemption is not helpful for scheduling' : 'No preemption victims found for incoming pod'));
  return `preemption: 0/${numAllNodes} nodes are available: ${histogram(reasons)}.`;
}

export interface ScheduleResult {
  nodeName: string;
  evaluatedNodes: number;
  feasibleNodes: number;
}

export interface AlgorithmOptions {
  /** Percentage of nodes to find feasible before scoring; 0 is kube's adaptive default. */
  percentageOfNodesToScore?: number;
}

/** Filter, score and select, with kube's rotating start index and partial node search. */
export class Algorithm {
  private nextStartNodeIndex = 0;
  private tieBreaker = 0;

  constructor(private readonly options: AlgorithmOptions = {}) {}

  numFeasibleNodesToFind(numAllNodes: number): number {
    if (numAllNodes < MIN_FEASIBLE_NODES) return numAllNodes;
    let percentage = this.options.percentageOfNodesToScore ?? 0;
    if (percentage >= 100) return numAllNodes;
    if (percentage <= 0) percentage = Math.max(MIN_FEASIBLE_PERCENTAGE, 50 - Math.floor(numAllNodes / 125));
    return Math.max(MIN_FEASIBLE_NODES, Math.floor((numAllNodes * percentage) / 100));
  }

  /** Picks a node, or throws FitError (or Error NO_NODES_AVAILABLE when there are none). */
  schedule(pod: PodInfo, nodes: NodeInfo[]): ScheduleResult {
    if (nodes.length === 0) throw new Error(NO_NODES_AVAILABLE);
    const state = preFilter(pod, nodes);
    const want = this.numFeasibleNodesToFind(nodes.length);
    const feasible: NodeInfo[] = [];
    const statuses = new Map<string, FilterStatus>();
    let processed = 0;
    const start = this.nextStartNodeIndex % nodes.length;
    for (let i = 0; i < nodes.length && feasible.length < want; i++) {
      const node = nodes[(start + i) % nodes.length]!;
      processed++;
      const status = filterNode(state, node);
      if (status) statuses.set(node.name, status);
      else feasible.push(node);
    }
    this.nextStartNodeIndex = (start + processed) % nodes.length;
    if (feasible.length === 0) {
      const list = [...statuses.values()];
      throw new FitError(pod, nodes.length, statuses, preemptionMessage(pod, nodes.length, list));
    }
    if (feasible.length === 1) return { nodeName: feasible[0]!.name, evaluatedNodes: processed, feasibleNodes: 1 };
    const scores = scoreNodes(pod, feasible, nodes);
    let best = -Infinity;
    const ties: number[] = [];
    for (let i = 0; i < scores.length; i++) {
      if (scores[i]! > best) {
        best = scores[i]!;
        ties.length = 0;
        ties.push(i);
      } else if (scores[i] === best) ties.push(i);
    }
    const chosen = ties[this.tieBreaker++ % ties.length]!;
    return { nodeName: feasible[chosen]!.name, evaluatedNodes: processed, feasibleNodes: feasible.length };
  }
}
