/**
 * The root CA publisher (kube-controller-manager's root-ca-cert-publisher): every active
 * namespace has a `kube-root-ca.crt` ConfigMap whose `ca.crt` is the cluster CA, so pods can
 * verify the API server; it is recreated when deleted and restored when changed.
 */
import type { KubeObject } from '../api/types.js';
import { Informer, type Client, type ResourceRef } from '../client/index.js';
import { WorkQueue } from './queue.js';
import { reasonOf, type Log } from './owners.js';
import { isActiveNamespace, namespaceGone, namespacesRef } from './serviceaccount.js';

export const rootCACertConfigMapName = 'kube-root-ca.crt';
const configMapsRef: ResourceRef = { apiVersion: 'v1', plural: 'configmaps' };
const descriptionAnnotation = 'kubernetes.io/description';
const description = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. '
  + 'No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface RootCACertPublisherOptions {
  client: Client;
  /** PEM of the cluster CA. */
  rootCA: string;
  log?: Log;
  workers?: number;
}

export class RootCACertPublisher {
  private readonly namespaces: Informer;
  private readonly configMaps: Informer;
  private readonly queue = new WorkQueue();
  private readonly log: Log;

  constructor(private readonly options: RootCACertPublisherOptions) {
    if (!options.client) throw new TypeError('Cannot create root CA publisher: a client is required');
    if (!options.rootCA) throw new TypeError('Cannot create root CA publisher: the root CA is required');
    this.log = options.log ?? (() => undefined);
    this.namespaces = new Informer(options.client, namespacesRef, undefined, { log: this.log });
    // Only the one ConfigMap per namespace matters: no cache of every ConfigMap of the cluster.
    this.configMaps = new Informer(options.client, configMapsRef, undefined, { log: this.log, fieldSelector: `metadata.name=${rootCACertConfigMapName}` });
    const enqueueNamespace = (namespace: KubeObject): void => {
      if (isActiveNamespace(namespace)) this.queue.add(namespace.metadata.name ?? '');
    };
    const enqueueOwner = (configMap: KubeObject): void => this.queue.add(configMap.metadata.namespace ?? '');
    this.namespaces.on({ add: enqueueNamespace, update: (_old, namespace) => enqueueNamespace(namespace) });
    this.configMaps.on({ update: (_old, configMap) => enqueueOwner(configMap), delete: enqueueOwner });
  }

  async run(signal: AbortSignal): Promise<void> {
    const running = [this.namespaces.run(signal), this.configMaps.run(signal)];
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([Promise.all([this.namespaces.synced(), this.configMaps.synced()]), aborted]);
    if (!signal.aborted) await this.queue.run(this.options.workers ?? 1, (name) => this.sync(name), signal, this.log);
    await Promise.all(running);
  }

  /** Creates the namespace's ConfigMap, or puts back its data and description annotation. */
  async sync(namespaceName: string): Promise<void> {
    if (!isActiveNamespace(this.namespaces.get(undefined, namespaceName))) return;
    const data = { 'ca.crt': this.options.rootCA };
    const current = this.configMaps.get(namespaceName, rootCACertConfigMapName);
    if (!current) {
      try {
        await this.options.client.create(configMapsRef, namespaceName, {
          apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: rootCACertConfigMapName, annotations: { [descriptionAnnotation]: description } }, data,
        });
      } catch (error: unknown) {
        if (reasonOf(error) === 'AlreadyExists' || namespaceGone(error)) return;
        throw error;
      }
      return;
    }
    const currentData = (current.data ?? {}) as Record<string, unknown>;
    const sameData = Object.keys(currentData).length === 1 && currentData['ca.crt'] === data['ca.crt'];
    if (sameData && current.metadata.annotations?.[descriptionAnnotation]) return;
    const updated = structuredClone(current);
    updated.data = data;
    updated.metadata.annotations = { ...(updated.metadata.annotations ?? {}), [descriptionAnnotation]: description };
    // A conflict (the informer was behind) fails the sync, and the queue retries from the fresher cache.
    await this.options.client.update(configMapsRef, updated);
  }
}
