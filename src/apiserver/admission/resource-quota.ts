/**
 * The ResourceQuota admission plugin (kube-apiserver's plugin/pkg/admission/resourcequota):
 * refuses creates (and growing updates) that would take a namespace past a quota's hard
 * limits, and pods that leave out a compute resource a quota constrains.
 *
 * Kube charges quota.status.used and lets the quota controller reconcile; here usage is
 * recomputed from the stored objects on each check, so deletes free room at once. Checks run
 * one at a time per namespace, and what was admitted but is not yet visible in the store is
 * held as a pending charge, so concurrent creates cannot overshoot.
 */
import type { KubeObject, ResourceDefinition } from '../../api/types.js';
import { charge, clean, isBinary, quotaMatches as quotaSelects, usageOf as usageOfResource, type Usage } from '../../api/quota.js';
import { parseQuantity } from '../../api/validation/index.js';
import type { Registry } from '../registry/engine.js';
import { decodeStored, listPrefix, objectKey } from '../registry/objects.js';
import { forbidden, formatQuantity, isRecord, type ResourceList } from './limit-range.js';

const listOf = (v: unknown): ResourceList => (isRecord(v) ? v : {});
const amount = (value: unknown): number => parseQuantity(value) ?? 0;

/** Compute resources a quota can only constrain when every container states them. */
const mustSpecify = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/** What one object uses: its object count and, per kind, compute, node ports or storage. */
export const usageOf = (definition: ResourceDefinition, object: KubeObject, now: Date): Usage => usageOfResource(definition.group, definition.plural, object, now);

/** Whether a quota's scopes select an object. */
export const quotaMatches = (quota: KubeObject, definition: ResourceDefinition, object: KubeObject): boolean => quotaSelects(quota, definition.group, definition.plural, object);

/** podEvaluator.Constraints: the compute resources the quota needs that containers leave out. */
function missingCompute(pod: KubeObject, hard: ResourceList): string | undefined {
  const required = Object.keys(hard).filter((k) => mustSpecify.has(k));
  if (!required.length) return undefined;
  const spec = listOf(pod.spec);
  const missing = new Map<string, Set<string>>();
  for (const c of [...(Array.isArray(spec.containers) ? spec.containers : []), ...(Array.isArray(spec.initContainers) ? spec.initContainers : [])].filter(isRecord)) {
    const resources = listOf(c.resources);
    const requests = listOf(resources.requests);
    const limits = listOf(resources.limits);
    const has = new Set<string>();
    for (const name of ['cpu', 'memory']) {
      if (name in requests) has.add(name).add(`requests.${name}`);
      if (name in limits) has.add(`limits.${name}`);
    }
    for (const name of required) if (!has.has(name)) missing.set(name, (missing.get(name) ?? new Set()).add(String(c.name ?? '')));
  }
  if (!missing.size) return undefined;
  return `must specify ${[...missing.keys()].sort().map((name) => `${name} for: ${[...missing.get(name)!].sort().join(',')}`).join('; ')}`;
}

const prettyPrint = (entries: Array<[string, string]>): string => entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join(',');

interface Pending {
  resource: string;
  usage: Usage;
}

export class ResourceQuotaAdmission {
  /** Per namespace: the tail of the chain of checks, so they run one at a time. */
  private readonly chains = new Map<string, Promise<unknown>>();
  /** Per namespace, by uid: charges admitted but perhaps not stored yet. */
  private readonly pending = new Map<string, Map<string, Pending>>();

  constructor(private readonly pendingTimeoutMs = 2_000) {}

  /** Checks an object against the quotas of its namespace; throws a 403 StatusError. */
  async admit(registry: Registry, definition: ResourceDefinition, object: KubeObject, old: KubeObject | undefined): Promise<void> {
    const namespace = object.metadata.namespace;
    const quotaDefinition = registry.definitionFor('', 'ResourceQuota');
    if (!definition.namespaced || !namespace || !quotaDefinition) return;
    // Namespaces without quotas are not serialized at all.
    if ((await registry.store.count(listPrefix(quotaDefinition, namespace))) === 0) return;
    const run = (this.chains.get(namespace) ?? Promise.resolve()).then(() => this.check(registry, definition, object, old, namespace));
    const tail = run.catch(() => undefined);
    this.chains.set(namespace, tail);
    // The map holds only live chains.
    void tail.then(() => {
      if (this.chains.get(namespace) === tail) this.chains.delete(namespace);
    });
    return run;
  }

  /** Drops a pending charge whose create failed after this plugin admitted it. */
  forget(object: KubeObject): void {
    const byUid = this.pending.get(object.metadata.namespace ?? '');
    byUid?.delete(object.metadata.uid ?? '');
    if (byUid && !byUid.size) this.pending.delete(object.metadata.namespace ?? '');
  }

  private async check(registry: Registry, definition: ResourceDefinition, object: KubeObject, old: KubeObject | undefined, namespace: string): Promise<void> {
    const quotaDefinition = registry.definitionFor('', 'ResourceQuota');
    if (!quotaDefinition) return;
    const quotas = (await registry.store.list(listPrefix(quotaDefinition, namespace))).items
      .map((stored) => decodeStored(quotaDefinition, stored))
      .filter((quota) => quota.metadata.uid !== object.metadata.uid && quotaMatches(quota, definition, object))
      .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
    if (!quotas.length) return;
    const now = registry.now();
    const requested = usageOf(definition, object, now);
    if (old) {
      // An update is charged only for what it adds.
      for (const [name, previous] of usageOf(definition, old, now)) charge(requested, name, -previous.value);
      for (const [name, entry] of requested) if (entry.value <= 0) requested.delete(name);
    }
    const hardOf = (quota: KubeObject): ResourceList => listOf(listOf(quota.spec).hard);
    const relevant = quotas.filter((quota) => Object.keys(hardOf(quota)).some((name) => requested.has(name) || (definition.kind === 'Pod' && !old && mustSpecify.has(name))));
    if (!relevant.length) return;
    if (definition.group === '' && definition.kind === 'Pod' && !old) {
      for (const quota of relevant) {
        const missing = missingCompute(object, hardOf(quota));
        if (missing) throw forbidden(definition, object, [`failed quota: ${quota.metadata.name ?? ''}: ${missing}`]);
      }
    }
    const used = await this.usedIn(registry, definition, namespace, now);
    for (const quota of relevant) {
      const hard = hardOf(quota);
      const exceeded = [...requested.keys()].filter((name) => name in hard && (used.get(name)?.value ?? 0) + requested.get(name)!.value > clean(amount(hard[name]))).sort();
      if (!exceeded.length) continue;
      const show = (usage: Usage, name: string): string => formatQuantity(usage.get(name)?.value ?? 0, usage.get(name)?.binary ?? false);
      throw forbidden(definition, object, [
        `exceeded quota: ${quota.metadata.name ?? ''}, requested: ${prettyPrint(exceeded.map((n) => [n, show(requested, n)]))}, used: ${prettyPrint(exceeded.map((n) => [n, show(used, n)]))}, limited: ${prettyPrint(exceeded.map((n) => [n, formatQuantity(amount(hard[n]), isBinary(hard[n]))]))}`,
      ]);
    }
    if (!old) this.hold(registry, definition, object, namespace, requested);
  }

  /** The namespace's usage of one resource: stored objects plus pending charges not yet stored. */
  private async usedIn(registry: Registry, definition: ResourceDefinition, namespace: string, now: Date): Promise<Usage> {
    const used: Usage = new Map();
    const stored = (await registry.store.list(listPrefix(definition, namespace))).items.map((item) => decodeStored(definition, item));
    const pending = this.pending.get(namespace);
    for (const object of stored) {
      // Visible in the store: the listing speaks for it from now on.
      if (pending?.get(object.metadata.uid ?? '')) pending.delete(object.metadata.uid ?? '');
      for (const [name, entry] of usageOf(definition, object, now)) charge(used, name, entry.value, entry.binary);
    }
    for (const entry of pending?.values() ?? []) {
      if (entry.resource !== definition.plural + '.' + definition.group) continue;
      for (const [name, value] of entry.usage) charge(used, name, value.value, value.binary);
    }
    return used;
  }

  private hold(registry: Registry, definition: ResourceDefinition, object: KubeObject, namespace: string, usage: Usage): void {
    const uid = object.metadata.uid ?? '';
    const byUid = this.pending.get(namespace) ?? new Map<string, Pending>();
    this.pending.set(namespace, byUid);
    byUid.set(uid, { resource: definition.plural + '.' + definition.group, usage });
    const key = objectKey(definition, namespace, object.metadata.name ?? '');
    const started = Date.now();
    // Polled until stored (then the listing counts it) or given up on (the create failed).
    const poll = (): void => {
      if (!byUid.has(uid)) return;
      registry.store.get(key).then(
        (found) => {
          const stored = found ? decodeStored(definition, found) : undefined;
          if ((stored && stored.metadata.uid === uid) || Date.now() - started > this.pendingTimeoutMs) this.forget(object);
          else setTimeout(poll, 10).unref();
        },
        () => this.forget(object),
      );
    };
    setTimeout(poll, 1).unref();
  }
}
