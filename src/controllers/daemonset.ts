/**
 * The DaemonSet controller (kube-controller-manager's daemonset controller): one pod per
 * eligible node, placed by the default scheduler through required node affinity on the node's
 * name; follows nodes coming and going; rolls template changes out with RollingUpdate
 * (maxUnavailable, no surge) or OnDelete; records history as ControllerRevisions and reports
 * the DaemonSet status counts.
 */
import type { OwnerReference } from '../api/types.js';
import { EventRecorder, Informer, type Client, type ResourceRef } from '../client/index.js';
import { WorkQueue } from './queue.js';
import { claimObjects, controllerOf, errorMessage, freshOwnerCheck, isConflict, isNotFound, keyOf, newControllerRef, selects, splitKey, statusCode, type Log } from './owners.js';
import { computeHash } from './pod-template-hash.js';
import {
  controllerRevisionHashLabel,
  controllerRevisionsRef,
  createRevision,
  equalData,
  nextRevisionNumber,
  sortRevisions,
  templatePatch,
  truncateHistory,
  updateRevisionNumber,
  type ControllerRevision,
} from './controller-revision.js';
import { FailedPodBackoff, isPodReady, type Pod } from './daemonset-pods.js';
import { Expectations } from './replicaset.js';
import { calculateStatus, planNodes, rollingUpdateVictims, sameStatus, templateGenerationLabel, type DaemonSet, type DaemonSetStatus } from './daemonset-rollout.js';
import { nodeNameAffinity, withDaemonTolerations, type Node } from './daemonset-util.js';

export type { DaemonSet, DaemonSetStatus } from './daemonset-rollout.js';

export const daemonSetsRef: ResourceRef = { apiVersion: 'apps/v1', plural: 'daemonsets' };
export const nodesRef: ResourceRef = { apiVersion: 'v1', plural: 'nodes' };
const podsRef: ResourceRef = { apiVersion: 'v1', plural: 'pods' };

/** kube's BurstReplicas: at most this many creations or deletions per sync. */
const burstReplicas = 250;

export interface DaemonSetControllerOptions {
  client: Client;
  log?: Log;
  /** Concurrent syncs (kube's --concurrent-daemonset-syncs, default 2). */
  workers?: number;
  now?: () => Date;
}

export class DaemonSetController {
  private readonly client: Client;
  private readonly log: Log;
  private readonly workers: number;
  private readonly now: () => Date;
  readonly pods: Informer<Pod>;
  readonly nodes: Informer<Node>;
  readonly daemonSets: Informer<DaemonSet>;
  readonly revisions: Informer<ControllerRevision>;
  private readonly queue = new WorkQueue();
  private readonly expectations: Expectations;
  private readonly backoff: FailedPodBackoff;
  private readonly events: EventRecorder;

  constructor(options: DaemonSetControllerOptions) {
    if (!options.client) throw new TypeError('Cannot create daemonset controller: a client is required');
    this.client = options.client;
    this.log = options.log ?? (() => undefined);
    this.workers = options.workers ?? 2;
    this.now = options.now ?? (() => new Date());
    this.expectations = new Expectations(() => this.now().getTime());
    this.backoff = new FailedPodBackoff(() => this.now().getTime());
    this.events = new EventRecorder(this.client, 'daemonset-controller', '', this.now, this.log);
    this.pods = new Informer<Pod>(this.client, podsRef, undefined, { log: this.log });
    this.nodes = new Informer<Node>(this.client, nodesRef, undefined, { log: this.log });
    this.daemonSets = new Informer<DaemonSet>(this.client, daemonSetsRef, undefined, { log: this.log });
    this.revisions = new Informer<ControllerRevision>(this.client, controllerRevisionsRef, undefined, { log: this.log });
    this.daemonSets.on({
      add: (ds) => this.queue.add(keyOf(ds)),
      update: (_old, ds) => this.queue.add(keyOf(ds)),
      delete: (ds) => {
        this.expectations.delete(keyOf(ds));
        this.queue.add(keyOf(ds));
      },
    });
    this.nodes.on({
      add: () => this.enqueueAll(),
      // Heartbeats change only status: only labels and spec (taints, unschedulable) matter.
      update: (old, node) => {
        if (JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(node.metadata.labels ?? {}) || JSON.stringify(old.spec ?? {}) !== JSON.stringify(node.spec ?? {})) this.enqueueAll();
      },
      delete: () => this.enqueueAll(),
    });
    this.pods.on({
      add: (pod) => this.addPod(pod),
      update: (old, pod) => this.updatePod(old, pod),
      delete: (pod) => this.deletePod(pod),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.pods, this.nodes, this.daemonSets, this.revisions];
    const running = informers.map((i) => i.run(signal));
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([Promise.all(informers.map((i) => i.synced())), aborted]);
    if (!signal.aborted) await this.queue.run(this.workers, (key) => this.sync(key), signal, this.log);
    await Promise.all(running);
  }

  // ---- Event handlers ----

  private enqueueAll(): void {
    for (const ds of this.daemonSets.list()) this.queue.add(keyOf(ds));
  }

  private resolveControllerRef(namespace: string | undefined, ref: OwnerReference): DaemonSet | undefined {
    if (ref.kind !== 'DaemonSet' || !ref.apiVersion.startsWith('apps/')) return undefined;
    const ds = this.daemonSets.get(namespace, ref.name);
    return ds && ds.metadata.uid === ref.uid ? ds : undefined;
  }

  private enqueueSelecting(pod: Pod): void {
    for (const ds of this.daemonSets.list(pod.metadata.namespace)) if (selects(ds.spec?.selector, pod.metadata.labels)) this.queue.add(keyOf(ds));
  }

  private addPod(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) return this.deletePod(pod);
    const ref = controllerOf(pod);
    if (!ref) return this.enqueueSelecting(pod);
    const ds = this.resolveControllerRef(pod.metadata.namespace, ref);
    if (!ds) return;
    this.expectations.creationObserved(keyOf(ds));
    this.queue.add(keyOf(ds));
  }

  private updatePod(old: Pod, pod: Pod): void {
    if (pod.metadata.deletionTimestamp) return this.deletePod(pod);
    const ref = controllerOf(pod);
    const oldRef = controllerOf(old);
    if (oldRef && oldRef.uid !== ref?.uid) {
      const oldDs = this.resolveControllerRef(old.metadata.namespace, oldRef);
      if (oldDs) this.queue.add(keyOf(oldDs));
    }
    if (!ref) return this.enqueueSelecting(pod);
    const ds = this.resolveControllerRef(pod.metadata.namespace, ref);
    if (!ds) return;
    this.queue.add(keyOf(ds));
    // A pod that just became ready becomes available after minReadySeconds.
    const minReady = ds.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) this.queue.addAfter(keyOf(ds), minReady * 1000 + 100);
  }

  private deletePod(pod: Pod): void {
    const ref = controllerOf(pod);
    if (!ref) return;
    const ds = this.resolveControllerRef(pod.metadata.namespace, ref);
    if (!ds) return;
    this.expectations.deletionObserved(keyOf(ds), keyOf(pod));
    this.queue.add(keyOf(ds));
  }

  // ---- Sync ----

  /** syncDaemonSet: one pass over one DaemonSet. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ds = this.daemonSets.get(namespace, name);
    if (!ds) {
      this.expectations.delete(key);
      return;
    }
    const nodes = this.nodes.list();
    const pods = await this.claimPods(ds);
    if (ds.metadata.deletionTimestamp) return;
    const collision = { value: ds.status?.collisionCount ?? 0 };
    let current: ControllerRevision;
    try {
      current = await this.constructHistory(ds, collision);
    } finally {
      if (collision.value !== (ds.status?.collisionCount ?? 0)) await this.writeStatus(ds, { ...(ds.status ?? {}), collisionCount: collision.value });
    }
    const hash = current.metadata.labels?.[controllerRevisionHashLabel] ?? '';
    let syncError: unknown;
    if (this.expectations.satisfied(key)) {
      try {
        const changed = await this.manage(ds, nodes, pods, hash, key);
        // Only from a settled view: right after manage's writes the pods above are stale
        // (a node just refilled would look podless and not count as unavailable).
        if (!changed && this.expectations.satisfied(key) && (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
          const owned = this.pods.list(namespace).filter((p) => controllerOf(p)?.uid === ds.metadata.uid);
          const victims = rollingUpdateVictims(ds, nodes, owned, hash, this.now());
          await this.syncNodes(ds, victims, [], hash, key);
        }
        await this.cleanupHistory(ds, pods, current);
      } catch (error: unknown) {
        syncError = error;
      }
    }
    const status = calculateStatus(ds, nodes, pods, hash, this.now());
    await this.writeStatus(ds, { ...status, ...(collision.value ? { collisionCount: collision.value } : {}) });
    if (syncError !== undefined) throw syncError;
    const minReady = ds.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && (status.numberReady ?? 0) > (status.numberAvailable ?? 0)) this.queue.addAfter(key, minReady * 1000);
    this.backoff.gc();
  }

  /** getDaemonPods: owned pods (terminating ones too, so a node is not refilled too early). */
  private async claimPods(ds: DaemonSet): Promise<Pod[]> {
    return claimObjects<Pod>({
      client: this.client,
      ref: podsRef,
      owner: ds,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'DaemonSet',
      selector: ds.spec?.selector,
      objects: this.pods.list(ds.metadata.namespace),
      canAdopt: freshOwnerCheck(this.client, daemonSetsRef, ds),
      log: this.log,
    });
  }

  /** Returns whether it created or deleted anything. */
  private async manage(ds: DaemonSet, nodes: Node[], pods: Pod[], hash: string, key: string): Promise<boolean> {
    const plan = planNodes(ds, nodes, pods, (node) => this.backoff.check(`${key}/${node}`));
    for (const pod of plan.failed) {
      const node = pod.spec?.nodeName ?? '';
      this.backoff.next(`${key}/${node}`);
      void this.events.record(this.involved(ds), 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} on node ${node}, will try to kill it`);
    }
    if (plan.retryAfterMs !== undefined) this.queue.addAfter(key, plan.retryAfterMs + 10);
    await this.syncNodes(ds, plan.remove, plan.create, hash, key);
    return plan.remove.length > 0 || plan.create.length > 0;
  }

  /** syncNodes: deletes pods and creates one on each listed node, expecting to see both. */
  private async syncNodes(ds: DaemonSet, remove: Pod[], create: string[], hash: string, key: string): Promise<void> {
    const creations = create.slice(0, burstReplicas);
    const deletions = remove.slice(0, burstReplicas);
    if (creations.length === 0 && deletions.length === 0) return;
    this.expectations.expect(key, creations.length, deletions.map(keyOf));
    let firstError: unknown;
    // Creations in batches of 1, 2, 4, … (slowStartBatch): a broken template fails once, not per node.
    for (let start = 0, batch = 1; start < creations.length && firstError === undefined; start += batch, batch *= 2) {
      const slice = creations.slice(start, start + batch);
      const results = await Promise.allSettled(slice.map((node) => this.createPod(ds, node, hash)));
      results.forEach((r) => {
        if (r.status === 'rejected') {
          this.expectations.creationObserved(key);
          firstError ??= r.reason;
        }
      });
      // Creations never attempted will never be observed either.
      if (firstError !== undefined) for (let skipped = creations.length - start - slice.length; skipped > 0; skipped--) this.expectations.creationObserved(key);
    }
    const results = await Promise.allSettled(deletions.map((pod) => this.deletePodOf(ds, pod, key)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    firstError ??= failed?.reason;
    if (firstError !== undefined) throw firstError;
  }

  private async createPod(ds: DaemonSet, nodeName: string, hash: string): Promise<void> {
    const template = structuredClone(ds.spec?.template ?? {});
    const meta = template.metadata ?? {};
    const spec = template.spec ?? {};
    const generation = ds.metadata.annotations?.['deprecated.daemonset.template.generation'] ?? String(ds.metadata.generation ?? 1);
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${ds.metadata.name ?? ''}-`,
        namespace: ds.metadata.namespace,
        labels: { ...(meta.labels ?? {}), [controllerRevisionHashLabel]: hash, [templateGenerationLabel]: generation },
        ...(meta.annotations ? { annotations: meta.annotations } : {}),
        ...(meta.finalizers ? { finalizers: meta.finalizers } : {}),
        ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
      },
      spec: { ...spec, tolerations: withDaemonTolerations(spec), affinity: nodeNameAffinity(spec.affinity, nodeName) },
    };
    try {
      const created = await this.client.create<Pod>(podsRef, ds.metadata.namespace, pod);
      void this.events.record(this.involved(ds), 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name ?? ''}`);
    } catch (error: unknown) {
      void this.events.record(this.involved(ds), 'Warning', 'FailedCreate', `Error creating: ${errorMessage(error)}`);
      throw error;
    }
  }

  private async deletePodOf(ds: DaemonSet, pod: Pod, key: string): Promise<void> {
    const podName = pod.metadata.name ?? '';
    try {
      await this.client.delete(podsRef, pod.metadata.namespace, podName, { preconditions: { uid: pod.metadata.uid } });
      void this.events.record(this.involved(ds), 'Normal', 'SuccessfulDelete', `Deleted pod: ${podName}`);
    } catch (error: unknown) {
      // The informer will not report a deletion that did not happen.
      this.expectations.deletionObserved(key, keyOf(pod));
      if (isNotFound(error) || statusCode(error) === 409) return;
      void this.events.record(this.involved(ds), 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(error)}`);
      throw error;
    }
  }

  // ---- History ----

  /**
   * constructHistory: the revision matching the current template (created if missing, and
   * renumbered past the others when an old template comes back).
   */
  private async constructHistory(ds: DaemonSet, collision: { value: number }): Promise<ControllerRevision> {
    const revisions = await this.claimRevisions(ds);
    const data = templatePatch(ds.spec?.template ?? {});
    const matching = sortRevisions(revisions.filter((r) => equalData(r.data, data)));
    const others = revisions.filter((r) => !matching.includes(r));
    const wanted = nextRevisionNumber(others);
    let current = matching[matching.length - 1];
    if (current) {
      // dedupCurHistory: equal snapshots beyond the newest are dropped.
      for (const duplicate of matching.slice(0, -1)) await this.deleteRevision(duplicate);
      if (current.revision < wanted) current = await updateRevisionNumber(this.client, current, wanted);
      return current;
    }
    const template = ds.spec?.template ?? {};
    const revision: ControllerRevision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        namespace: ds.metadata.namespace,
        labels: { ...(template.metadata?.labels ?? {}) },
        ...(ds.metadata.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
        ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
      },
      data,
      revision: wanted,
    };
    // DaemonSets name revisions by the template hash, the same value pods carry.
    return createRevision(this.client, ds, revision, collision, { hashOf: (count) => computeHash(template, count), hashLabel: controllerRevisionHashLabel });
  }

  private async claimRevisions(ds: DaemonSet): Promise<ControllerRevision[]> {
    return claimObjects<ControllerRevision>({
      client: this.client,
      ref: controllerRevisionsRef,
      owner: ds,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'DaemonSet',
      selector: ds.spec?.selector,
      objects: this.revisions.list(ds.metadata.namespace),
      canAdopt: freshOwnerCheck(this.client, daemonSetsRef, ds),
      log: this.log,
    });
  }

  private async deleteRevision(revision: ControllerRevision): Promise<void> {
    try {
      await this.client.delete(controllerRevisionsRef, revision.metadata.namespace, revision.metadata.name ?? '');
    } catch (error: unknown) {
      if (!isNotFound(error)) throw error;
    }
  }

  /** cleanupHistory: old revisions no pod uses, beyond revisionHistoryLimit (default 10). */
  private async cleanupHistory(ds: DaemonSet, pods: Pod[], current: ControllerRevision): Promise<void> {
    const revisions = this.revisions.list(ds.metadata.namespace).filter((r) => controllerOf(r)?.uid === ds.metadata.uid);
    const podHashes = new Set(pods.map((p) => p.metadata.labels?.[controllerRevisionHashLabel]).filter((h): h is string => h !== undefined));
    const live = new Set<string>([current.metadata.name ?? '']);
    for (const r of revisions) if (podHashes.has(r.metadata.labels?.[controllerRevisionHashLabel] ?? '')) live.add(r.metadata.name ?? '');
    await truncateHistory(this.client, revisions, live, ds.spec?.revisionHistoryLimit ?? 10);
  }

  // ---- Status ----

  /** Writes status through the subresource when it changed; one retry on conflict. */
  private async writeStatus(ds: DaemonSet, status: DaemonSetStatus): Promise<void> {
    if (sameStatus(ds.status ?? {}, status)) return;
    let current = ds;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.update<DaemonSet>(daemonSetsRef, { ...current, status }, { subresource: 'status' });
        return;
      } catch (error: unknown) {
        if (isNotFound(error)) return;
        if (!isConflict(error) || attempt >= 1) throw error;
        current = await this.client.get<DaemonSet>(daemonSetsRef, ds.metadata.namespace, ds.metadata.name ?? '');
        if (current.metadata.uid !== ds.metadata.uid) return;
      }
    }
  }

  private involved(ds: DaemonSet): DaemonSet {
    return { ...ds, apiVersion: 'apps/v1', kind: 'DaemonSet' };
  }
}
