/**
 * Placement vocabulary shared by the scheduler and the controllers that reason about nodes
 * (DaemonSet, node lifecycle): selectors, node selector terms, taints and tolerations, with
 * the matching rules of k8s.io/api and component-helpers.
 */
import { selectorMatches } from './validation/selector.js';

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

/** What node matching reads of a Node. */
export interface NodeIdentity {
  metadata: { name?: string; labels?: Record<string, string> };
}

/** Whether a metav1.LabelSelector matches labels (an empty selector matches everything; none matches nothing). */
export function labelSelectorMatches(selector: LabelSelector | null | undefined, labels: Record<string, string>): boolean {
  return !!selector && selectorMatches(selector, labels);
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      if (!/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0]!)) return false;
      return r.operator === 'Gt' ? Number(value) > Number(values[0]) : Number(value) < Number(values[0]);
    }
    default: return false;
  }
}

/** One NodeSelectorTerm: all expressions and fields must match; an empty term matches nothing. */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: NodeIdentity): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const r of expressions) if (!requirementMatches(r, Object.hasOwn(labels, r.key) ? labels[r.key] : undefined)) return false;
  for (const r of fields) {
    // Only metadata.name may be matched by field, with In or NotIn.
    if (r.key !== 'metadata.name' || (r.operator !== 'In' && r.operator !== 'NotIn')) return false;
    if (!requirementMatches(r, node.metadata.name)) return false;
  }
  return true;
}

/** NodeSelector terms are ORed. */
export function nodeSelectorTermsMatch(terms: NodeSelectorTerm[], node: NodeIdentity): boolean {
  return terms.some((t) => nodeSelectorTermMatches(t, node));
}

/** v1.Toleration.ToleratesTaint. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? 'Equal') {
    case '':
    case 'Equal': return (toleration.value ?? '') === (taint.value ?? '');
    case 'Exists': return true;
    default: return false;
  }
}

/** The first taint (with one of the effects) that no toleration tolerates. */
export function findUntoleratedTaint(taints: Taint[], tolerations: Toleration[], effects: (effect: string) => boolean): Taint | undefined {
  for (const taint of taints) {
    if (!effects(taint.effect)) continue;
    if (!tolerations.some((t) => toleratesTaint(t, taint))) return taint;
  }
  return undefined;
}
