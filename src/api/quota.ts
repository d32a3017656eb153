/**
 * Quota usage, shared by the ResourceQuota admission plugin and the quota controller: what an
 * object uses (kube's quota evaluators) and quantities printed as resource.Quantity prints them.
 */
import { podResourceTotals, type Amounts } from './pod-resources.js';
import type { KubeObject } from './types.js';
import { parseQuantity } from './validation/index.js';

export type ResourceList = Record<string, unknown>;
/** Amount per resource name, and whether to print it in binary SI (`Mi`). */
export type Usage = Map<string, { value: number; binary: boolean }>;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const listOf = (v: unknown): ResourceList => (isRecord(v) ? v : {});
const amount = (value: unknown): number => parseQuantity(value) ?? 0;

const binarySuffixes: Array<[string, number]> = [['Ei', 2 ** 60], ['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]];
const decimalSuffixes: Array<[string, number]> = [['E', 18], ['P', 15], ['T', 12], ['G', 9], ['M', 6], ['k', 3]];

export function isBinary(value: unknown): boolean {
  return typeof value === 'string' && /[KMGTPE]i$/.test(value.trim());
}

/** Rounds away binary floating-point noise at kube's nano precision. */
export function clean(value: number): number {
  return Math.abs(value) < 1e6 ? Math.round(value * 1e9) / 1e9 : Math.round(value);
}

/** The canonical text of a value: the largest suffix that keeps it whole. */
export function formatQuantity(raw: number, binary = false): string {
  const value = clean(raw);
  if (value === 0) return '0';
  if (Number.isInteger(value)) {
    if (binary) for (const [suffix, scale] of binarySuffixes) if (value % scale === 0) return `${value / scale}${suffix}`;
    if (binary && Math.abs(value) < 1024) return String(value);
    for (const [suffix, exponent] of decimalSuffixes) if (value % 10 ** exponent === 0) return `${value / 10 ** exponent}${suffix}`;
    return String(value);
  }
  for (const [suffix, scale] of [['m', 1e3], ['u', 1e6], ['n', 1e9]] as const) {
    const scaled = Math.round(value * scale * 1e3) / 1e3;
    if (Number.isInteger(scaled) || suffix === 'n') return `${Math.ceil(scaled)}${suffix}`;
  }
  return String(value);
}

export function charge(usage: Usage, name: string, value: number, binary = false): void {
  const seen = usage.get(name);
  usage.set(name, { value: clean((seen?.value ?? 0) + value), binary: seen?.binary ?? binary });
}

type Container = Record<string, unknown>;
const containersOf = (pod: KubeObject, field: string): Container[] => {
  const list = listOf(pod.spec)[field];
  return (Array.isArray(list) ? list : []).filter(isRecord);
};

/** resourcehelper.PodRequests / PodLimits (src/api/pod-resources.ts), each resource keeping its first unit style. */
function podTotals(pod: KubeObject, which: 'requests' | 'limits'): Usage {
  const of = (c: Container): ResourceList => listOf(listOf(c.resources)[which]);
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
  return new Map([...totals].map(([k, value]) => [k, { value: clean(value), binary: binary.get(k) ?? false }]));
}

/** QuotaV1Pod: finished pods, and pods past their deletion grace, use no compute. */
function podUsesCompute(pod: KubeObject, now: Date): boolean {
  const phase = listOf(pod.status).phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const deletion = pod.metadata.deletionTimestamp ? Date.parse(pod.metadata.deletionTimestamp) : NaN;
  return Number.isNaN(deletion) || now.getTime() <= deletion + (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
}

const shortCounted = new Set(['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas']);

/** What one object of `group`/`plural` uses. */
export function usageOf(group: string, plural: string, object: KubeObject, now: Date): Usage {
  const usage: Usage = new Map();
  charge(usage, group ? `count/${plural}.${group}` : `count/${plural}`, 1);
  if (group !== '') return usage;
  if (plural === 'pods') {
    if (!podUsesCompute(object, now)) return usage;
    charge(usage, 'pods', 1);
    for (const [name, entry] of podTotals(object, 'requests')) {
      if (name === 'cpu' || name === 'memory' || name === 'ephemeral-storage') charge(usage, name, entry.value, entry.binary);
      charge(usage, `requests.${name}`, entry.value, entry.binary);
    }
    for (const [name, entry] of podTotals(object, 'limits')) charge(usage, `limits.${name}`, entry.value, entry.binary);
    return usage;
  }
  if (shortCounted.has(plural)) charge(usage, plural, 1);
  const spec = listOf(object.spec);
  if (plural === 'services') {
    const ports = Array.isArray(spec.ports) ? spec.ports.length : 0;
    if (spec.type === 'LoadBalancer') charge(usage, 'services.loadbalancers', 1);
    if (spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false)) charge(usage, 'services.nodeports', ports);
  }
  if (plural === 'persistentvolumeclaims') {
    const requested = listOf(listOf(spec.resources).requests).storage;
    const allocated = listOf(listOf(object.status).allocatedResources).storage;
    const storage = amount(allocated) > amount(requested) ? allocated : requested;
    const className = typeof spec.storageClassName === 'string' ? spec.storageClassName : '';
    if (className) charge(usage, `${className}.storageclass.storage.k8s.io/persistentvolumeclaims`, 1);
    if (storage !== undefined) {
      charge(usage, 'requests.storage', amount(storage), isBinary(storage));
      if (className) charge(usage, `${className}.storageclass.storage.k8s.io/requests.storage`, amount(storage), isBinary(storage));
    }
  }
  return usage;
}

/** Whether a quota's scopes select an object (only pods fall under scoped quotas). */
export function quotaMatches(quota: KubeObject, group: string, plural: string, object: KubeObject): boolean {
  const scopes = listOf(quota.spec).scopes;
  if (!Array.isArray(scopes) || scopes.length === 0) return true;
  if (group !== '' || plural !== 'pods') return false;
  const bestEffort = [...containersOf(object, 'containers'), ...containersOf(object, 'initContainers')].every((c) => {
    const resources = listOf(c.resources);
    return !Object.keys(listOf(resources.requests)).length && !Object.keys(listOf(resources.limits)).length;
  });
  const deadline = listOf(object.spec).activeDeadlineSeconds;
  const terminating = typeof deadline === 'number' && deadline >= 0;
  return scopes.every((scope) =>
    scope === 'Terminating' ? terminating : scope === 'NotTerminating' ? !terminating : scope === 'BestEffort' ? bestEffort : scope === 'NotBestEffort' ? !bestEffort : false,
  );
}

/** The group and plural whose objects make up a quota's resource name. */
export function resourceFor(name: string): { group: string; plural: string } | undefined {
  if (name.startsWith('count/')) {
    const [plural = '', ...group] = name.slice('count/'.length).split('.');
    return { group: group.join('.'), plural };
  }
  if (shortCounted.has(name)) return { group: '', plural: name };
  if (name === 'services.loadbalancers' || name === 'services.nodeports') return { group: '', plural: 'services' };
  if (name === 'requests.storage' || name.includes('.storageclass.storage.k8s.io/')) return { group: '', plural: 'persistentvolumeclaims' };
  if (/^(requests\.|limits\.)?(cpu|memory|ephemeral-storage)$/.test(name) || name.startsWith('requests.') || name.startsWith('limits.')) return { group: '', plural: 'pods' };
  return undefined;
}
