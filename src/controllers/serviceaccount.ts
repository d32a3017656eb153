/**
 * The service account controller (kube-controller-manager's serviceaccount-controller): every
 * active namespace has a `default` ServiceAccount, created with the namespace and again
 * whenever it is deleted. Terminating namespaces are left alone.
 */
import type { KubeObject } from '../api/types.js';
import { Informer, type Client, type ResourceRef } from '../client/index.js';
import { WorkQueue } from './queue.js';
import { isNotFound, reasonOf, statusCode, type Log } from './owners.js';

export const namespacesRef: ResourceRef = { apiVersion: 'v1', plural: 'namespaces' };
export const serviceAccountsRef: ResourceRef = { apiVersion: 'v1', plural: 'serviceaccounts' };

export interface ServiceAccountsControllerOptions {
  client: Client;
  log?: Log;
  /** The accounts every namespace gets (upstream's --service-accounts default: just `default`). */
  serviceAccounts?: string[];
  workers?: number;
}

/** Whether new content may go into the namespace (it exists and is not being deleted). */
export function isActiveNamespace(namespace: KubeObject | undefined): boolean {
  if (!namespace || namespace.metadata.deletionTimestamp) return false;
  const phase = (namespace.status as { phase?: string } | undefined)?.phase;
  return phase === undefined || phase === 'Active';
}

/** A create refused because the namespace went or is going: nothing to retry (the namespace controller empties it). */
export function namespaceGone(error: unknown): boolean {
  if (isNotFound(error)) return true;
  const causes = (error as { details?: { causes?: Array<{ reason?: string }> } }).details?.causes ?? [];
  return statusCode(error) === 403 && (reasonOf(error) === 'Forbidden') && causes.some((c) => c.reason === 'NamespaceTerminating');
}

export class ServiceAccountsController {
  private readonly namespaces: Informer;
  private readonly accounts: Informer;
  private readonly queue = new WorkQueue();
  private readonly names: string[];
  private readonly log: Log;

  constructor(private readonly options: ServiceAccountsControllerOptions) {
    if (!options.client) throw new TypeError('Cannot create service account controller: a client is required');
    this.names = options.serviceAccounts ?? ['default'];
    this.log = options.log ?? (() => undefined);
    this.namespaces = new Informer(options.client, namespacesRef, undefined, { log: this.log });
    this.accounts = new Informer(options.client, serviceAccountsRef, undefined, { log: this.log });
    const enqueue = (namespace: KubeObject): void => {
      if (isActiveNamespace(namespace)) this.queue.add(namespace.metadata.name ?? '');
    };
    this.namespaces.on({ add: enqueue, update: (_old, namespace) => enqueue(namespace) });
    this.accounts.on({
      delete: (account) => {
        if (this.names.includes(account.metadata.name ?? '')) this.queue.add(account.metadata.namespace ?? '');
      },
    });
  }

  /** Runs until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const running = [this.namespaces.run(signal), this.accounts.run(signal)];
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    // Decisions need both caches: an account missing from an unsynced cache is not missing.
    await Promise.race([Promise.all([this.namespaces.synced(), this.accounts.synced()]), aborted]);
    if (!signal.aborted) await this.queue.run(this.options.workers ?? 1, (name) => this.sync(name), signal, this.log);
    await Promise.all(running);
  }

  /** Creates the namespace's missing accounts. */
  async sync(namespaceName: string): Promise<void> {
    if (!isActiveNamespace(this.namespaces.get(undefined, namespaceName))) return;
    for (const name of this.names) {
      if (this.accounts.get(namespaceName, name)) continue;
      try {
        await this.options.client.create(serviceAccountsRef, namespaceName, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
      } catch (error: unknown) {
        if (reasonOf(error) === 'AlreadyExists') continue;
        if (namespaceGone(error)) return;
        throw error;
      }
    }
  }
}
