// PodTopologySpread: DoNotSchedule constraints filter (skew ≤ maxSkew), ScheduleAnyway ones score.
import type { NodeInfo, PodInfo } from '../cache.js';
import { findUntoleratedTaint } from '../selectors.js';
import { labelSelectorMatches } from '../selectors.js';
import type { LabelSelector, TopologySpreadConstraint } from '../types.js';
import { matchesNodeSelectorAndAffinity } from './node-affinity.js';
import { MAX_NODE_SCORE, unresolvable, unschedulable, type FilterStatus } from './status.js';

export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';
export const ERR_TOPOLOGY_SPREAD = "node(s) didn't match pod topology spread constraints";
export const ERR_TOPOLOGY_SPREAD_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)";
const HOSTNAME = 'kubernetes.io/hostname';

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelSelector;
  minDomains: number;
  nodeAffinityHonored: boolean;
  nodeTaintsHonored: boolean;
  selfMatch: boolean;
}

/** Constraints of one kind, with matchLabelKeys folded into the selector. */
function constraintsOf(pod: PodInfo, when: 'DoNotSchedule' | 'ScheduleAnyway'): Constraint[] {
  const out: Constraint[] = [];
  for (const c of (pod.pod.spec?.topologySpreadConstraints ?? []) as TopologySpreadConstraint[]) {
    if (c.whenUnsatisfiable !== when) continue;
    const base = c.labelSelector ?? {};
    const selector: LabelSelector = { matchLabels: { ...(base.matchLabels ?? {}) }, matchExpressions: [...(base.matchExpressions ?? [])] };
    for (const key of c.matchLabelKeys ?? []) {
      const value = pod.labels[key];
      if (value !== undefined) selector.matchExpressions!.push({ key, operator: 'In', values: [value] });
    }
    const effective = c.labelSelector ? selector : null;
    out.push({
      maxSkew: c.maxSkew || 1,
      topologyKey: c.topologyKey,
      selector: effective ?? { matchExpressions: [{ key: '\u0000never', operator: 'Exists' }] },
      minDomains: c.minDomains ?? 1,
      nodeAffinityHonored: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
      nodeTaintsHonored: c.nodeTaintsPolicy === 'Honor',
      selfMatch: effective ? labelSelectorMatches(effective, pod.labels) : false,
    });
  }
  return out;
}

function countMatching(pod: PodInfo, node: NodeInfo, selector: LabelSelector): number {
  let n = 0;
  for (const other of node.pods.values()) {
    if (other.namespace !== pod.namespace || other.pod.metadata.deletionTimestamp) continue;
    if (labelSelectorMatches(selector, other.labels)) n++;
  }
  return n;
}

function hasAllKeys(node: NodeInfo, constraints: Constraint[]): boolean {
  const labels = node.labels;
  return constraints.every((c) => Object.hasOwn(labels, c.topologyKey));
}

function eligible(pod: PodInfo, node: NodeInfo, c: Constraint): boolean {
  if (c.nodeAffinityHonored && !matchesNodeSelectorAndAffinity(pod.pod, node.node!)) return false;
  if (c.nodeTaintsHonored && findUntoleratedTaint(node.node!.spec?.taints ?? [], pod.pod.spec?.tolerations ?? [], (e) => e === 'NoSchedule' || e === 'NoExecute')) return false;
  return true;
}

export interface TopologySpreadFilterState {
  constraints: Constraint[];
  /** Per constraint: matching pods per topology value over eligible nodes. */
  counts: Map<string, number>[];
  /** Per constraint: the smallest count over domains (0 when fewer than minDomains domains). */
  minimums: number[];
}

/** PreFilter: counts matching pods per domain for the pod's DoNotSchedule constraints (null: none). */
export function topologySpreadPreFilter(pod: PodInfo, nodes: NodeInfo[]): TopologySpreadFilterState | null {
  const constraints = constraintsOf(pod, 'DoNotSchedule');
  if (constraints.length === 0) return null;
  const counts = constraints.map(() => new Map<string, number>());
  for (const node of nodes) {
    if (!node.node || !hasAllKeys(node, constraints)) continue;
    constraints.forEach((c, i) => {
      if (!eligible(pod, node, c)) return;
      const value = node.labels[c.topologyKey]!;
      counts[i]!.set(value, (counts[i]!.get(value) ?? 0) + countMatching(pod, node, c.selector));
    });
  }
  const minimums = counts.map((m, i) => {
    if (m.size < constraints[i]!.minDomains) return 0;
    let min = Infinity;
    for (const v of m.values()) if (v < min) min = v;
    return min === Infinity ? 0 : min;
  });
  return { constraints, counts, minimums };
}

export function topologySpreadFilter(state: TopologySpreadFilterState | null, node: NodeInfo): FilterStatus | null {
  if (!state) return null;
  const labels = node.labels;
  for (let i = 0; i < state.constraints.length; i++) {
    const c = state.constraints[i]!;
    const value = labels[c.topologyKey];
    if (value === undefined) return unresolvable(POD_TOPOLOGY_SPREAD, ERR_TOPOLOGY_SPREAD_LABEL);
    const skew = (state.counts[i]!.get(value) ?? 0) + (c.selfMatch ? 1 : 0) - state.minimums[i]!;
    if (skew > c.maxSkew) return unschedulable(POD_TOPOLOGY_SPREAD, ERR_TOPOLOGY_SPREAD);
  }
  return null;
}

export interface TopologySpreadScoreState {
  constraints: Constraint[];
  counts: Map<string, number>[];
  weights: number[];
  ignored: Set<string>;
}

/** PreScore for ScheduleAnyway constraints over the feasible nodes (null: nothing to score). */
export function topologySpreadPreScore(pod: PodInfo, feasible: NodeInfo[], all: NodeInfo[]): TopologySpreadScoreState | null {
  const constraints = constraintsOf(pod, 'ScheduleAnyway');
  if (constraints.length === 0) return null;
  const ignored = new Set<string>();
  const counts = constraints.map(() => new Map<string, number>());
  const domains = constraints.map(() => new Set<string>());
  for (const node of feasible) {
    if (!hasAllKeys(node, constraints)) {
      ignored.add(node.name);
      continue;
    }
    constraints.forEach((c, i) => {
      const value = node.labels[c.topologyKey]!;
      domains[i]!.add(value);
      if (c.topologyKey !== HOSTNAME) counts[i]!.set(value, 0);
    });
  }
  for (const node of all) {
    if (!node.node || !hasAllKeys(node, constraints)) continue;
    constraints.forEach((c, i) => {
      if (c.topologyKey === HOSTNAME || !eligible(pod, node, c)) return;
      const value = node.labels[c.topologyKey]!;
      if (!counts[i]!.has(value)) return;
      counts[i]!.set(value, counts[i]!.get(value)! + countMatching(pod, node, c.selector));
    });
  }
  const weights = domains.map((d) => Math.log(d.size + 2));
  return { constraints, counts, weights, ignored };
}

export function topologySpreadScore(state: TopologySpreadScoreState, pod: PodInfo, node: NodeInfo): number {
  if (state.ignored.has(node.name)) return 0;
  let score = 0;
  state.constraints.forEach((c, i) => {
    const value = node.labels[c.topologyKey];
    if (value === undefined) return;
    const count = c.topologyKey === HOSTNAME ? countMatching(pod, node, c.selector) : (state.counts[i]!.get(value) ?? 0);
    score += count * state.weights[i]! + (c.maxSkew - 1);
  });
  return Math.round(score);
}

/** Fewer matching pods is better: reverses the raw counts onto 0..100; ignored nodes get 0. */
export function topologySpreadNormalize(state: TopologySpreadScoreState, nodes: NodeInfo[], scores: number[]): void {
  let min = Infinity;
  let max = -Infinity;
  nodes.forEach((n, i) => {
    if (state.ignored.has(n.name)) return;
    min = Math.min(min, scores[i]!);
    max = Math.max(max, scores[i]!);
  });
  nodes.forEach((n, i) => {
    if (state.ignored.has(n.name)) scores[i] = 0;
    else if (max === 0) scores[i] = MAX_NODE_SCORE;
    else scores[i] = Math.floor((MAX_NODE_SCORE * (max + min - scores[i]!)) / max);
  });
}
