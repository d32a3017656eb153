/**
 * The ResourceQuota controller (kube-controller-manager's resourcequota controller): keeps each
 * quota's status.hard equal to spec.hard and status.used equal to what the namespace's objects
 * use, so `kubectl describe quota` shows Used/Hard. Admission enforces quotas on its own
 * (from stored objects); this status is what people and tools read.
 */
import type { KubeObject } from '../api/types.js';
import { Informer, type Client, type ResourceRef } from '../client/index.js';
import { WorkQueue } from './queue.js';
import { errorMessage, isConflict, isNotFound, keyOf, splitKey, type Log } from './owners.js';
import { charge, formatQuantity, isBinary, quotaMatches, resourceFor, usageOf, type Usage } from '../api/quota.js';
import { parseQuantity } from '../api/validation/index.js';

export const resourceQuotasRef: ResourceRef = { apiVersion: 'v1', plural: 'resourcequotas' };

/** API versions of the groups whose objects `count/<resource>.<group>` may name. */
const groupVersions: Record<string, string> = {
  '': 'v1', apps: 'apps/v1', batch: 'batch/v1', 'networking.k8s.io': 'networking.k8s.io/v1', policy: 'policy/v1',
  'rbac.authorization.k8s.io': 'rbac.authorization.k8s.io/v1', autoscaling: 'autoscaling/v2', 'discovery.k8s.io': 'discovery.k8s.io/v1',
  'coordination.k8s.io': 'coordination.k8s.io/v1', 'storage.k8s.io': 'storage.k8s.io/v1', 'events.k8s.io': 'events.k8s.io/v1',
};

/** Core resources watched so a change to them refreshes their namespace's quotas at once. */
const watched = ['pods', 'services', 'persistentvolumeclaims', 'configmaps', 'secrets', 'replicationcontrollers'];

interface ResourceQuota extends KubeObject {
  spec?: { hard?: Record<string, unknown>; scopes?: string[] };
  status?: { hard?: Record<string, unknown>; used?: Record<string, string> };
}

export interface ResourceQuotaControllerOptions {
  client: Client;
  log?: Log;
  workers?: number;
  /** Full recount of every quota this often, for kinds not watched (kube's --resource-quota-sync-period is 5m). */
  resyncMs?: number;
  now?: () => Date;
}

export class ResourceQuotaController {
  readonly quotas: Informer<ResourceQuota>;
  private readonly informers: Informer[];
  private readonly queue = new WorkQueue();
  private readonly client: Client;
  private readonly log: Log;
  private readonly now: () => Date;

  constructor(private readonly options: ResourceQuotaControllerOptions) {
    this.client = options.client;
    this.log = options.log ?? (() => undefined);
    this.now = options.now ?? (() => new Date());
    this.quotas = new Informer<ResourceQuota>(this.client, resourceQuotasRef, undefined, { log: this.log });
    this.quotas.on({
      add: (quota) => this.queue.add(keyOf(quota)),
      update: (_old, quota) => this.queue.add(keyOf(quota)),
    });
    this.informers = watched.map((plural) => {
      const informer = new Informer(this.client, { apiVersion: 'v1', plural }, undefined, { log: this.log });
      const touch = (object: KubeObject): void => this.enqueueNamespace(object.metadata.namespace);
      informer.on({ add: touch, update: (_old, object) => touch(object), delete: touch });
      return informer;
    });
  }

  private enqueueNamespace(namespace: string | undefined): void {
    for (const quota of this.quotas.list(namespace ?? '')) this.queue.add(keyOf(quota));
  }

  async run(signal: AbortSignal): Promise<void> {
    const running = [this.quotas, ...this.informers].map((informer) => informer.run(signal));
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([this.quotas.synced(), aborted]);
    const resync = setInterval(() => {
      for (const quota of this.quotas.list()) this.queue.add(keyOf(quota));
    }, this.options.resyncMs ?? 60_000);
    resync.unref();
    try {
      if (!signal.aborted) await this.queue.run(this.options.workers ?? 2, (key) => this.sync(key), signal, this.log);
    } finally {
      clearInterval(resync);
      await Promise.all(running);
    }
  }

  /** Recounts one quota and writes its status when it changed. */
  private async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const quota = this.quotas.get(namespace, name);
    if (!quota) return;
    const hard = quota.spec?.hard ?? {};
    const used = await this.usage(quota, namespace, Object.keys(hard));
    const usedText: Record<string, string> = {};
    for (const resource of Object.keys(hard).sort()) {
      const entry = used.get(resource);
      usedText[resource] = formatQuantity(entry?.value ?? 0, entry?.binary ?? false);
    }
    if (JSON.stringify(quota.status?.hard ?? {}) === JSON.stringify(hard) && JSON.stringify(quota.status?.used ?? {}) === JSON.stringify(usedText)) return;
    try {
      await this.client.update<ResourceQuota>(resourceQuotasRef, { ...quota, status: { hard, used: usedText } }, { subresource: 'status' });
    } catch (error: unknown) {
      if (isNotFound(error)) return;
      // A newer version is on its way through the informer and will sync again.
      if (isConflict(error)) return;
      this.log('resource quota status update failed', { quota: key, error: errorMessage(error) });
      throw error;
    }
  }

  /** Sums the usage of the kinds the quota's resource names draw on. */
  private async usage(quota: ResourceQuota, namespace: string, names: string[]): Promise<Usage> {
    const used: Usage = new Map();
    const kinds = new Map<string, { group: string; plural: string }>();
    for (const name of names) {
      const kind = resourceFor(name);
      if (kind) kinds.set(`${kind.plural}.${kind.group}`, kind);
    }
    const now = this.now();
    for (const { group, plural } of kinds.values()) {
      const apiVersion = groupVersions[group];
      if (!apiVersion) continue;
      const objects = await this.client.list({ apiVersion, plural }, namespace).then((list) => list.items, (error: unknown) => {
        // A kind this server does not serve uses nothing.
        if (isNotFound(error)) return [];
        throw error;
      });
      for (const object of objects) {
        if (!quotaMatches(quota, group, plural, object)) continue;
        for (const [name, entry] of usageOf(group, plural, object, now)) if (names.includes(name)) charge(used, name, entry.value, entry.binary);
      }
    }
    // Hard values print in their own format when nothing set one (e.g. `0` of 1Gi).
    for (const name of names) if (!used.has(name)) used.set(name, { value: 0, binary: isBinary(quota.spec?.hard?.[name]) && parseQuantity(quota.spec?.hard?.[name]) !== undefined });
    return used;
  }
}
