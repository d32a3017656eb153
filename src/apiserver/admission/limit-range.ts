/**
 * The LimitRanger admission plugin (kube-apiserver's plugin/pkg/admission/limitranger): on pod
 * create it fills missing container requests/limits from the namespace's LimitRanges and
 * records what it set in the `kubernetes.io/limit-ranger` annotation, then refuses pods and
 * PersistentVolumeClaims outside the ranges with 403 Forbidden worded as kube words it.
 */
import { podResourceTotals, type Amounts } from '../../api/pod-resources.js';
import { clean, formatQuantity, isBinary } from '../../api/quota.js';
import type { KubeObject, ResourceDefinition } from '../../api/types.js';
import { parseQuantity } from '../../api/validation/index.js';
import type { Registry } from '../registry/engine.js';
import { decodeStored, listPrefix } from '../registry/objects.js';
import { StatusError } from '../errors.js';

export type ResourceList = Record<string, unknown>;
export const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const listOf = (v: unknown): ResourceList => (isRecord(v) ? v : {});

// ---- Quantities, printed as resource.Quantity.String() prints them ----

export { clean, formatQuantity, isBinary };

/** A quantity as written, reprinted canonically (`1000m` → `1`, `1024Mi` → `1Gi`). */
export function canonical(value: unknown): string {
  return formatQuantity(parseQuantity(value) ?? 0, isBinary(value));
}

const amount = (value: unknown): number => parseQuantity(value) ?? 0;

// ---- LimitRanges ----

interface LimitRangeItem {
  type: string;
  min: ResourceList;
  max: ResourceList;
  default: ResourceList;
  defaultRequest: ResourceList;
  maxLimitRequestRatio: ResourceList;
}

/**
 * The items of a LimitRange with kube's SetDefaults_LimitRangeItem applied (default from max,
 * defaultRequest from default then min), in case the stored object was not defaulted.
 */
function itemsOf(limitRange: KubeObject): LimitRangeItem[] {
  const spec = listOf(limitRange.spec);
  return (Array.isArray(spec.limits) ? spec.limits : []).filter(isRecord).map((raw) => {
    const item: LimitRangeItem = {
      type: typeof raw.type === 'string' ? raw.type : '',
      min: { ...listOf(raw.min) },
      max: { ...listOf(raw.max) },
      default: { ...listOf(raw.default) },
      defaultRequest: { ...listOf(raw.defaultRequest) },
      maxLimitRequestRatio: { ...listOf(raw.maxLimitRequestRatio) },
    };
    if (item.type === 'Container') {
      for (const [k, v] of Object.entries(item.max)) if (!(k in item.default)) item.default[k] = v;
      for (const [k, v] of Object.entries(item.default)) if (!(k in item.defaultRequest)) item.defaultRequest[k] = v;
      for (const [k, v] of Object.entries(item.min)) if (!(k in item.defaultRequest)) item.defaultRequest[k] = v;
    }
    return item;
  });
}

async function limitRangesIn(registry: Registry, namespace: string): Promise<KubeObject[]> {
  const definition = registry.definitionFor('', 'LimitRange');
  if (!definition) return [];
  const listed = await registry.store.list(listPrefix(definition, namespace));
  return listed.items.map((stored) => decodeStored(definition, stored));
}

interface Container {
  name?: string;
  resources?: { requests?: ResourceList; limits?: ResourceList; [field: string]: unknown };
  restartPolicy?: string;
  [field: string]: unknown;
}

function containersOf(pod: KubeObject, field: 'containers' | 'initContainers'): Container[] {
  const spec = listOf(pod.spec);
  return (Array.isArray(spec[field]) ? spec[field] : []).filter(isRecord) as Container[];
}

/** mergeContainerResources: fills what the container lacks; returns the annotation parts. */
function mergeDefaults(container: Container, limits: ResourceList, requests: ResourceList, prefix: string): string[] {
  const resources = (container.resources ??= {});
  const ownLimits = (resources.limits ??= {});
  const ownRequests = (resources.requests ??= {});
  const setLimits = Object.keys(limits).filter((k) => !(k in ownLimits)).sort();
  const setRequests = Object.keys(requests).filter((k) => !(k in ownRequests)).sort();
  for (const k of setLimits) ownLimits[k] = limits[k];
  for (const k of setRequests) ownRequests[k] = requests[k];
  // Empty maps are not written back: a pod without resources stays as it was.
  if (!Object.keys(ownLimits).length) delete resources.limits;
  if (!Object.keys(ownRequests).length) delete resources.requests;
  if (!Object.keys(resources).length) delete container.resources;
  const parts: string[] = [];
  if (setRequests.length) parts.push(`${setRequests.join(', ')} request for ${prefix} ${container.name ?? ''}`);
  if (setLimits.length) parts.push(`${setLimits.join(', ')} limit for ${prefix} ${container.name ?? ''}`);
  return parts;
}

function applyPodDefaults(pod: KubeObject, items: LimitRangeItem[]): void {
  const limits: ResourceList = {};
  const requests: ResourceList = {};
  for (const item of items.filter((i) => i.type === 'Container')) {
    Object.assign(requests, item.defaultRequest);
    Object.assign(limits, item.default);
  }
  if (!Object.keys(limits).length && !Object.keys(requests).length) return;
  const parts = [
    ...containersOf(pod, 'containers').flatMap((c) => mergeDefaults(c, limits, requests, 'container')),
    ...containersOf(pod, 'initContainers').flatMap((c) => mergeDefaults(c, limits, requests, 'init container')),
  ];
  if (parts.length) pod.metadata.annotations = { ...pod.metadata.annotations, 'kubernetes.io/limit-ranger': `LimitRanger plugin set: ${parts.join('; ')}` };
}

// ---- Constraints (minConstraint, maxConstraint, maxRequestConstraint, limitRequestRatioConstraint) ----

function minConstraint(type: string, name: string, enforced: unknown, requests: ResourceList, limits: ResourceList): string | undefined {
  if (!(name in requests)) return `minimum ${name} usage per ${type} is ${canonical(enforced)}.  No request is specified`;
  if (amount(requests[name]) < amount(enforced)) return `minimum ${name} usage per ${type} is ${canonical(enforced)}, but request is ${canonical(requests[name])}`;
  if (name in limits && amount(limits[name]) < amount(enforced)) return `minimum ${name} usage per ${type} is ${canonical(enforced)}, but limit is ${canonical(limits[name])}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: unknown, requests: ResourceList, limits: ResourceList): string | undefined {
  if (!(name in limits)) return `maximum ${name} usage per ${type} is ${canonical(enforced)}.  No limit is specified`;
  if (amount(limits[name]) > amount(enforced)) return `maximum ${name} usage per ${type} is ${canonical(enforced)}, but limit is ${canonical(limits[name])}`;
  if (name in requests && amount(requests[name]) > amount(enforced)) return `maximum ${name} usage per ${type} is ${canonical(enforced)}, but request is ${canonical(requests[name])}`;
  return undefined;
}

function maxRequestConstraint(type: string, name: string, enforced: unknown, requests: ResourceList): string | undefined {
  if (!(name in requests)) return `maximum ${name} usage per ${type} is ${canonical(enforced)}.  No request is specified`;
  if (amount(requests[name]) > amount(enforced)) return `maximum ${name} usage per ${type} is ${canonical(enforced)}, but request is ${canonical(requests[name])}`;
  return undefined;
}

function ratioConstraint(type: string, name: string, enforced: unknown, requests: ResourceList, limits: ResourceList): string | undefined {
  const request = amount(requests[name]);
  const limit = amount(limits[name]);
  if (!(name in requests) || request === 0) return `${name} max limit to request ratio per ${type} is ${canonical(enforced)}, but no request is specified or request is 0`;
  if (!(name in limits) || limit === 0) return `${name} max limit to request ratio per ${type} is ${canonical(enforced)}, but no limit is specified or limit is 0`;
  const ratio = limit / request;
  // Go's %f: six decimals.
  if (clean(ratio) > amount(enforced)) return `${name} max limit to request ratio per ${type} is ${canonical(enforced)}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

/**
 * Checks one requests/limits pair against an item. Kube walks Go maps (random order); we go
 * by resource name, then min, max, ratio, so messages are stable.
 */
function checkItem(item: LimitRangeItem, requests: ResourceList, limits: ResourceList, requestOnlyMax: boolean): string[] {
  const names = [...new Set([...Object.keys(item.min), ...Object.keys(item.max), ...Object.keys(item.maxLimitRequestRatio)])].sort();
  const errors: Array<string | undefined> = [];
  for (const name of names) {
    if (name in item.min) errors.push(minConstraint(item.type, name, item.min[name], requests, limits));
    if (name in item.max) errors.push(requestOnlyMax ? maxRequestConstraint(item.type, name, item.max[name], requests) : maxConstraint(item.type, name, item.max[name], requests, limits));
    if (name in item.maxLimitRequestRatio) errors.push(ratioConstraint(item.type, name, item.maxLimitRequestRatio[name], requests, limits));
  }
  return errors.filter((e): e is string => e !== undefined);
}

const requestsOf = (c: Container): ResourceList => listOf(c.resources?.requests);
const limitsOf = (c: Container): ResourceList => listOf(c.resources?.limits);

/** resourcehelper.PodRequests / PodLimits (src/api/pod-resources.ts), as quantities in each resource's first unit style. */
export function podTotals(pod: KubeObject, of: (c: Container) => ResourceList): ResourceList {
  const binary = new Map<string, boolean>();
  const amounts = (list: ResourceList): Amounts => {
    const out: Amounts = new Map();
    for (const [k, v] of Object.entries(list)) {
      out.set(k, amount(v));
      if (!binary.has(k)) binary.set(k, isBinary(v));
    }
    return out;
  };
  const totals = podResourceTotals(containersOf(pod, 'containers'), containersOf(pod, 'initContainers'), (c) => amounts(of(c)), amounts(listOf(listOf(pod.spec).overhead)));
  return Object.fromEntries([...totals].map(([k, value]) => [k, formatQuantity(value, binary.get(k) ?? false)]));
}

export const podRequests = (pod: KubeObject): ResourceList => podTotals(pod, requestsOf);
export const podLimits = (pod: KubeObject): ResourceList => podTotals(pod, limitsOf);

function podViolations(pod: KubeObject, items: LimitRangeItem[]): string[] {
  const errors: string[] = [];
  for (const item of items) {
    if (item.type === 'Container') {
      for (const c of [...containersOf(pod, 'containers'), ...containersOf(pod, 'initContainers')]) errors.push(...checkItem(item, requestsOf(c), limitsOf(c), false));
    } else if (item.type === 'Pod') {
      errors.push(...checkItem(item, podRequests(pod), podLimits(pod), false));
    }
  }
  return errors;
}

function claimViolations(claim: KubeObject, items: LimitRangeItem[]): string[] {
  const requests = listOf(listOf(listOf(claim.spec).resources).requests);
  const errors: string[] = [];
  // PVC limits are not user input: min checks requests only, max checks requests only.
  for (const item of items.filter((i) => i.type === 'PersistentVolumeClaim')) {
    errors.push(...checkItem({ ...item, maxLimitRequestRatio: {} }, requests, {}, true));
  }
  return errors;
}

/** Kube's Forbidden text: one error as is, several as a bracketed aggregate (repeats once). */
export function forbidden(definition: ResourceDefinition, object: KubeObject, errors: string[]): StatusError {
  const unique = [...new Set(errors)];
  const text = unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
  const name = object.metadata.name ?? '';
  const resource = definition.group ? `${definition.plural}.${definition.group}` : definition.plural;
  const details: NonNullable<ConstructorParameters<typeof StatusError>[3]> = { name, kind: definition.plural };
  if (definition.group) details.group = definition.group;
  return new StatusError(403, 'Forbidden', `${resource} "${name}" is forbidden: ${text}`, details);
}

/**
 * Defaults then validates pods (on create only: containers cannot change afterwards) and
 * claims (create and update). Throws a 403 StatusError on a violation.
 */
export async function admitLimitRanges(registry: Registry, definition: ResourceDefinition, object: KubeObject, old: KubeObject | undefined): Promise<void> {
  if (definition.group !== '' || !object.metadata.namespace) return;
  const isPod = definition.kind === 'Pod' && old === undefined;
  const isClaim = definition.kind === 'PersistentVolumeClaim';
  if (!isPod && !isClaim) return;
  const ranges = await limitRangesIn(registry, object.metadata.namespace);
  if (!ranges.length) return;
  const errors: string[] = [];
  for (const range of ranges) {
    const items = itemsOf(range);
    if (isPod) applyPodDefaults(object, items);
  }
  for (const range of ranges) {
    const items = itemsOf(range);
    errors.push(...(isPod ? podViolations(object, items) : claimViolations(object, items)));
  }
  if (errors.length) throw forbidden(definition, object, errors);
}
