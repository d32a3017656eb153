// InterPodAffinity: required pod affinity / anti-affinity (the pod's and existing pods') filter;
// preferred terms (both ways) and existing pods' required affinity score.
import type { NodeInfo, PodInfo } from '../cache.js';
import { labelSelectorMatches } from '../selectors.js';
import type { PodAffinityTerm } from '../types.js';
import { MAX_NODE_SCORE, unresolvable, unschedulable, type FilterStatus } from './status.js';

export const INTER_POD_AFFINITY = 'InterPodAffinity';
export const ERR_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
const HARD_POD_AFFINITY_WEIGHT = 1;

/**
 * Whether a term (owned by a pod in ownerNamespace) selects target. Namespaces default to the
 * owner's; an empty namespaceSelector selects all namespaces (namespace labels are not consulted).
 */
export function termMatches(term: PodAffinityTerm, ownerNamespace: string, target: PodInfo): boolean {
  const namespaces = term.namespaces ?? [];
  const allNamespaces = term.namespaceSelector != null
    && Object.keys(term.namespaceSelector.matchLabels ?? {}).length === 0
    && (term.namespaceSelector.matchExpressions ?? []).length === 0;
  if (!allNamespaces) {
    const inList = namespaces.length ? namespaces.includes(target.namespace) : term.namespaceSelector == null && target.namespace === ownerNamespace;
    if (!inList) return false;
  }
  return labelSelectorMatches(term.labelSelector, target.labels);
}

const pair = (key: string, value: string): string => `${key}\u0000${value}`;
const bump = (m: Map<string, number>, k: string, by = 1): void => void m.set(k, (m.get(k) ?? 0) + by);

export interface InterPodAffinityFilterState {
  pod: PodInfo;
  existingAntiAffinity: Map<string, number>;
  affinity: Map<string, number>;
  antiAffinity: Map<string, number>;
}

/** PreFilter: topology pairs where existing pods forbid the pod, and where the pod's terms match pods. */
export function interPodAffinityPreFilter(pod: PodInfo, nodes: NodeInfo[]): InterPodAffinityFilterState {
  const existingAntiAffinity = new Map<string, number>();
  const affinity = new Map<string, number>();
  const antiAffinity = new Map<string, number>();
  for (const node of nodes) {
    if (!node.node) continue;
    const labels = node.labels;
    for (const existing of node.podsWithRequiredAntiAffinity) {
      for (const term of existing.requiredAntiAffinity) {
        const value = labels[term.topologyKey];
        if (value !== undefined && termMatches(term, existing.namespace, pod)) bump(existingAntiAffinity, pair(term.topologyKey, value));
      }
    }
    if (pod.requiredAffinity.length === 0 && pod.requiredAntiAffinity.length === 0) continue;
    for (const existing of node.pods.values()) {
      if (existing.key === pod.key) continue;
      if (pod.requiredAffinity.length && pod.requiredAffinity.every((t) => termMatches(t, pod.namespace, existing))) {
        for (const t of pod.requiredAffinity) {
          const value = labels[t.topologyKey];
          if (value !== undefined) bump(affinity, pair(t.topologyKey, value));
        }
      }
      for (const t of pod.requiredAntiAffinity) {
        const value = labels[t.topologyKey];
        if (value !== undefined && termMatches(t, pod.namespace, existing)) bump(antiAffinity, pair(t.topologyKey, value));
      }
    }
  }
  return { pod, existingAntiAffinity, affinity, antiAffinity };
}

export function interPodAffinityFilter(state: InterPodAffinityFilterState, node: NodeInfo): FilterStatus | null {
  const labels = node.labels;
  const { pod } = state;
  if (pod.requiredAffinity.length) {
    const satisfied = pod.requiredAffinity.every((t) => {
      const value = labels[t.topologyKey];
      return value !== undefined && (state.affinity.get(pair(t.topologyKey, value)) ?? 0) > 0;
    });
    // The first pod of a group that selects itself may go anywhere its terms' keys exist.
    const selfStart = state.affinity.size === 0
      && pod.requiredAffinity.every((t) => termMatches(t, pod.namespace, pod) && labels[t.topologyKey] !== undefined);
    if (!satisfied && !selfStart) return unresolvable(INTER_POD_AFFINITY, ERR_AFFINITY);
  }
  for (const t of pod.requiredAntiAffinity) {
    const value = labels[t.topologyKey];
    if (value !== undefined && (state.antiAffinity.get(pair(t.topologyKey, value)) ?? 0) > 0) return unschedulable(INTER_POD_AFFINITY, ERR_ANTI_AFFINITY);
  }
  if (state.existingAntiAffinity.size) {
    for (const [key, value] of Object.entries(labels)) {
      if ((state.existingAntiAffinity.get(pair(key, value)) ?? 0) > 0) return unschedulable(INTER_POD_AFFINITY, ERR_EXISTING_ANTI_AFFINITY);
    }
  }
  return null;
}

export interface InterPodAffinityScoreState {
  /** topologyKey → value → score. */
  scores: Map<string, Map<string, number>>;
}

/** PreScore: weights per topology domain from preferred terms both ways (null: nothing to score). */
export function interPodAffinityPreScore(pod: PodInfo, all: NodeInfo[]): InterPodAffinityScoreState | null {
  const affinity = pod.pod.spec?.affinity;
  const preferredAffinity = affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  const preferredAnti = affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  const own = preferredAffinity.length > 0 || preferredAnti.length > 0;
  const scores = new Map<string, Map<string, number>>();
  const add = (key: string, value: string | undefined, weight: number): void => {
    if (value === undefined || weight === 0) return;
    let m = scores.get(key);
    if (!m) scores.set(key, (m = new Map()));
    bump(m, value, weight);
  };
  let any = false;
  for (const node of all) {
    if (!node.node) continue;
    const labels = node.labels;
    const candidates = own ? node.pods.values() : node.podsWithAffinity.values();
    for (const existing of candidates) {
      if (existing.key === pod.key) continue;
      any = true;
      for (const w of preferredAffinity) if (termMatches(w.podAffinityTerm, pod.namespace, existing)) add(w.podAffinityTerm.topologyKey, labels[w.podAffinityTerm.topologyKey], w.weight);
      for (const w of preferredAnti) if (termMatches(w.podAffinityTerm, pod.namespace, existing)) add(w.podAffinityTerm.topologyKey, labels[w.podAffinityTerm.topologyKey], -w.weight);
      if (!existing.hasAffinity) continue;
      const theirs = existing.pod.spec?.affinity;
      for (const t of existing.requiredAffinity) if (termMatches(t, existing.namespace, pod)) add(t.topologyKey, labels[t.topologyKey], HARD_POD_AFFINITY_WEIGHT);
      for (const w of theirs?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) if (termMatches(w.podAffinityTerm, existing.namespace, pod)) add(w.podAffinityTerm.topologyKey, labels[w.podAffinityTerm.topologyKey], w.weight);
      for (const w of theirs?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) if (termMatches(w.podAffinityTerm, existing.namespace, pod)) add(w.podAffinityTerm.topologyKey, labels[w.podAffinityTerm.topologyKey], -w.weight);
    }
  }
  return any && scores.size ? { scores } : null;
}

export function interPodAffinityScore(state: InterPodAffinityScoreState, node: NodeInfo): number {
  let score = 0;
  const labels = node.labels;
  for (const [key, values] of state.scores) {
    const value = labels[key];
    if (value !== undefined) score += values.get(value) ?? 0;
  }
  return score;
}

export function interPodAffinityNormalize(scores: number[]): void {
  if (scores.length === 0) return;
  const min = Math.min(...scores);
  const max = Math.max(...scores);
  const diff = max - min;
  for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.floor((MAX_NODE_SCORE * (scores[i]! - min)) / diff) : 0;
}
