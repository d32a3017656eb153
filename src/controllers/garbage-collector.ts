import { setMaxListeners } from 'node:events';
import type { KubeObject, OwnerReference, ResourceDefinition } from '../api/types.js';
import { Informer, type Client, type ResourceRef } from '../client/index.js';
import { WorkQueue } from './queue.js';
import { errorMessage, isConflict, isNotFound } from '../client/errors.js';
import { splitApiVersion } from '../api/index.js';

export interface GarbageCollectorOptions {
  client: Client;
  /** Every served resource; those that can be listed, watched and deleted are tracked. */
  resources: ResourceDefinition[];
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Concurrent workers of the work queue (default 4). */
  workers?: number;
  /** Period of the full resync that re-examines every dependent and deleting owner (default 30 s). */
  resyncMs?: number;
  /** Pause before an informer relists after a failed watch. */
  informerRetryMs?: number;
}

export const orphanFinalizer = 'orphan';
export const foregroundFinalizer = 'foregroundDeletion';

/** One object of the graph: where it lives and the latest copy seen by its informer. */
interface GraphNode {
  uid: string;
  definition: ResourceDefinition;
  ref: ResourceRef;
  namespace: string | undefined;
  name: string;
  object: KubeObject;
}

/** How a dependent sees one of its owners. */
type OwnerState = 'solid' | 'dangling' | 'waiting' | 'unresolvable';

/** Work queue keys: a dependent to examine, or an owner whose GC finalizer to process. */
const dependentKey = (uid: string): string => `d:${uid}`;
const ownerKey = (uid: string): string => `o:${uid}`;

function apiVersionOf(definition: ResourceDefinition): string {
  return definition.group ? `${definition.group}/${definition.version}` : definition.version;
}

function refOf(definition: ResourceDefinition): ResourceRef {
  return { apiVersion: apiVersionOf(definition), plural: definition.plural };
}



function supports(definition: ResourceDefinition, verb: string): boolean {
  return !definition.verbs || definition.verbs.includes(verb);
}

function ownerRefs(object: KubeObject): OwnerReference[] {
  return object.metadata.ownerReferences ?? [];
}

function hasFinalizer(object: KubeObject, finalizer: string): boolean {
  return (object.metadata.finalizers ?? []).includes(finalizer);
}

/** Whether an owner is being deleted in the foreground (its dependents go first). */
function waitingForDependents(object: KubeObject): boolean {
  return Boolean(object.metadata.deletionTimestamp) && hasFinalizer(object, foregroundFinalizer);
}

const maxPatchAttempts = 10;

/**
 * The garbage collector (kube-controller-manager's, small). It keeps a graph of every object
 * of the tracked resources by uid, indexed by owner uid, and:
 * - deletes (in the background) a dependent whose owners are all gone — an owner is gone
 *   when a GET finds nothing or an object with another uid; a dependent that keeps a live
 *   owner only loses its dangling references;
 * - for an owner deleted in the foreground (deletionTimestamp and the `foregroundDeletion`
 *   finalizer) deletes its dependents, waits until those with blockOwnerDeletion are gone,
 *   then removes the finalizer;
 * - for an owner deleted with the `orphan` finalizer removes the references to it from its
 *   dependents, then removes the finalizer.
 * It is event-driven (informer adds, updates and deletes) with a periodic full resync.
 */
export class GarbageCollector {
  private readonly tracked: ResourceDefinition[];
  private readonly informers = new Map<ResourceDefinition, Informer>();
  private readonly nodes = new Map<string, GraphNode>();
  /** Owner uid → uids of the objects whose ownerReferences name it. */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly queue = new WorkQueue(10, 5_000);
  private readonly log: NonNullable<GarbageCollectorOptions['log']>;
  private syncedOnce = false;

  constructor(private readonly options: GarbageCollectorOptions) {
    if (!options.client) throw new TypeError('Cannot create garbage collector: a client is required');
    this.log = options.log ?? (() => undefined);
    this.tracked = options.resources.filter((r) => supports(r, 'list') && supports(r, 'watch') && supports(r, 'delete'));
    for (const definition of this.tracked) {
      const informer = new Informer(options.client, refOf(definition), undefined, { log: this.log, retryMs: options.informerRetryMs });
      informer.on({
        add: (object) => this.upsert(definition, object),
        update: (old, object) => {
          if (old.metadata.uid !== object.metadata.uid) this.remove(definition, old);
          this.upsert(definition, object);
        },
        delete: (object) => this.remove(definition, object),
      });
      this.informers.set(definition, informer);
    }
  }

  /** Whether every informer has loaded its first list. */
  hasSynced(): boolean {
    return this.syncedOnce;
  }

  /** Runs the informers, the workers and the periodic resync until the signal aborts. */
  async run(outer: AbortSignal): Promise<void> {
    // One signal is shared by an informer per tracked resource (each watch listens to it).
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    const signal = controller.signal;
    if (outer.aborted) controller.abort();
    else outer.addEventListener('abort', () => controller.abort(), { once: true });
    const informers = [...this.informers.values()].map((informer) => informer.run(signal));
    const aborted = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await Promise.race([Promise.all([...this.informers.values()].map((i) => i.synced())), aborted]);
    if (signal.aborted) {
      await Promise.all(informers);
      return;
    }
    this.syncedOnce = true;
    this.resync();
    const timer = setInterval(() => this.resync(), this.options.resyncMs ?? 30_000);
    timer.unref();
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    try {
      await Promise.all([this.queue.run(this.options.workers ?? 4, (key) => this.process(key), signal, this.log), ...informers]);
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * Queues every dependent and every owner held by a GC finalizer (a dependent whose owners
   * are all in the graph and not deleting in the foreground costs no API call).
   */
  resync(): void {
    for (const node of this.nodes.values()) {
      if (ownerRefs(node.object).length > 0) this.queue.add(dependentKey(node.uid));
      if (this.holdsGcFinalizer(node.object)) this.queue.add(ownerKey(node.uid));
    }
  }

  // ---- graph maintenance (informer handlers) ----

  private upsert(definition: ResourceDefinition, object: KubeObject): void {
    const uid = object.metadata.uid;
    if (!uid) return;
    const existing = this.nodes.get(uid);
    // The same object served under two resources (e.g. core and events.k8s.io events): one view.
    if (existing && existing.definition !== definition) return;
    const before = new Set(existing ? ownerRefs(existing.object).map((r) => r.uid) : []);
    const after = new Set(ownerRefs(object).map((r) => r.uid));
    for (const owner of before) {
      if (after.has(owner)) continue;
      this.unindex(owner, uid);
      // A dependent that dropped its reference may have been what held a foreground deletion.
      this.wakeOwner(owner);
    }
    for (const owner of after) {
      let set = this.dependents.get(owner);
      if (!set) this.dependents.set(owner, (set = new Set()));
      set.add(uid);
    }
    const node: GraphNode = { uid, definition, ref: refOf(definition), namespace: object.metadata.namespace, name: object.metadata.name ?? '', object };
    this.nodes.set(uid, node);
    if (this.holdsGcFinalizer(object)) this.queue.add(ownerKey(uid));
    if (this.needsAttention(node)) this.queue.add(dependentKey(uid));
  }

  private remove(definition: ResourceDefinition, object: KubeObject): void {
    const uid = object.metadata.uid;
    if (!uid) return;
    const node = this.nodes.get(uid);
    if (!node || node.definition !== definition) return;
    this.nodes.delete(uid);
    for (const ref of ownerRefs(node.object)) {
      this.unindex(ref.uid, uid);
      this.wakeOwner(ref.uid);
    }
    // Its dependents may now be orphans to collect.
    for (const dependent of this.dependents.get(uid) ?? []) this.queue.add(dependentKey(dependent));
  }

  private unindex(owner: string, dependent: string): void {
    const set = this.dependents.get(owner);
    if (!set) return;
    set.delete(dependent);
    if (set.size === 0) this.dependents.delete(owner);
  }

  private wakeOwner(uid: string): void {
    const owner = this.nodes.get(uid);
    if (owner && this.holdsGcFinalizer(owner.object)) this.queue.add(ownerKey(uid));
  }

  private holdsGcFinalizer(object: KubeObject): boolean {
    return Boolean(object.metadata.deletionTimestamp) && (hasFinalizer(object, orphanFinalizer) || hasFinalizer(object, foregroundFinalizer));
  }

  /** Whether a dependent must be examined: an owner unknown to the graph, or deleting in the foreground. */
  private needsAttention(node: GraphNode): boolean {
    if (node.object.metadata.deletionTimestamp) return false;
    for (const ref of ownerRefs(node.object)) {
      const owner = this.nodes.get(ref.uid);
      if (!owner || !this.resolvesTo(node, ref, owner) || waitingForDependents(owner.object)) return true;
    }
    return false;
  }

  /** Whether a reference of a dependent names this graph node: kind, name, and the dependent's namespace for namespaced owners. */
  private resolvesTo(dependent: GraphNode, ref: OwnerReference, owner: GraphNode): boolean {
    if (owner.definition.kind !== ref.kind || owner.definition.group !== splitApiVersion(ref.apiVersion).group || owner.name !== ref.name) return false;
    return !owner.definition.namespaced || (dependent.definition.namespaced && owner.namespace === dependent.namespace);
  }

  /** Current dependents of an owner: graph nodes whose references still name its uid. */
  private dependentsOf(uid: string): GraphNode[] {
    const result: GraphNode[] = [];
    for (const dependent of this.dependents.get(uid) ?? []) {
      const node = this.nodes.get(dependent);
      if (node && ownerRefs(node.object).some((r) => r.uid === uid)) result.push(node);
    }
    return result;
  }

  // ---- work ----

  private async process(key: string): Promise<void> {
    const uid = key.slice(2);
    if (key.startsWith('d:')) await this.attemptToDelete(uid);
    else if (key.startsWith('o:')) await this.processOwner(uid);
  }

  /** The live object of a node, or undefined when it is gone or replaced by another uid. */
  private async live(node: GraphNode): Promise<KubeObject | undefined> {
    try {
      const object = await this.options.client.get(node.ref, node.namespace, node.name);
      return object.metadata.uid === node.uid ? object : undefined;
    } catch (error: unknown) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Resolves an owner reference's kind to a served resource (its exact version first). */
  private resolve(ref: OwnerReference): ResourceDefinition | undefined {
    const { group, version } = splitApiVersion(ref.apiVersion);
    return this.options.resources.find((r) => r.group === group && r.version === version && r.kind === ref.kind)
      ?? this.options.resources.find((r) => r.group === group && r.kind === ref.kind);
  }

  private async ownerState(dependent: GraphNode, ref: OwnerReference): Promise<OwnerState> {
    const definition = this.resolve(ref);
    if (!definition) return 'unresolvable';
    // A cluster-scoped dependent cannot have a namespaced owner: the reference cannot be resolved.
    if (definition.namespaced && !dependent.definition.namespaced) return 'unresolvable';
    const namespace = definition.namespaced ? dependent.namespace : undefined;
    let owner = this.informers.get(definition)?.get(namespace, ref.name);
    if (!owner || owner.metadata.uid !== ref.uid) {
      // The cache may lag: absence is only believed from the server.
      try {
        owner = await this.options.client.get(refOf(definition), namespace, ref.name);
      } catch (error: unknown) {
        if (isNotFound(error)) return 'dangling';
        throw error;
      }
      if (owner.metadata.uid !== ref.uid) return 'dangling';
    }
    return waitingForDependents(owner) ? 'waiting' : 'solid';
  }

  /** Examines a dependent: deletes it when no owner remains, or drops its dangling references. */
  private async attemptToDelete(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    // Every owner present in the graph and none deleting in the foreground: nothing to do (an
    // owner that goes later is noticed when its informer reports the deletion).
    if (!node || !this.needsAttention(node)) return;
    const latest = await this.live(node);
    if (!latest || latest.metadata.deletionTimestamp) return;
    const refs = ownerRefs(latest);
    if (refs.length === 0) return;
    const current: GraphNode = { ...node, object: latest };
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of refs) {
      const state = await this.ownerState(current, ref);
      if (state === 'dangling') dangling.push(ref);
      else if (state === 'waiting') waiting.push(ref);
      else {
        if (state === 'unresolvable') this.log('owner reference cannot be resolved; treating it as present', { object: `${node.ref.plural}/${node.name}`, namespace: node.namespace, owner: `${ref.apiVersion}/${ref.kind}/${ref.name}` });
        solid.push(ref);
      }
    }
    if (solid.length > 0) {
      const drop = new Set([...dangling, ...waiting].map((r) => r.uid));
      if (drop.size > 0) {
        this.log('removing references to owners that are gone or deleting', { object: `${node.ref.plural}/${node.name}`, namespace: node.namespace, owners: [...drop] });
        await this.editOwnerRefs(node, (list) => list.filter((r) => !drop.has(r.uid)));
      }
      return;
    }
    let policy: 'Background' | 'Foreground' | 'Orphan' = 'Background';
    const ownDependents = this.dependentsOf(uid);
    if (waiting.length > 0 && ownDependents.length > 0) {
      // It has dependents of its own: delete it in the foreground too, so the owner waits for
      // the whole chain. When one of those dependents is itself deleting in the foreground
      // there may be a cycle: unblock the references to the waiting owners first (as kube does).
      if (ownDependents.some((d) => waitingForDependents(d.object))) {
        const waitingUids = new Set(waiting.filter((r) => r.blockOwnerDeletion).map((r) => r.uid));
        if (waitingUids.size > 0) await this.editOwnerRefs(node, (list) => list.map((r) => (waitingUids.has(r.uid) ? { ...r, blockOwnerDeletion: false } : r)));
      }
      policy = 'Foreground';
    } else if (hasFinalizer(latest, orphanFinalizer)) {
      policy = 'Orphan';
    } else if (hasFinalizer(latest, foregroundFinalizer)) {
      policy = 'Foreground';
    }
    this.log('deleting object whose owners are gone', { object: `${node.ref.plural}/${node.name}`, namespace: node.namespace, policy });
    try {
      await this.options.client.delete(node.ref, node.namespace, node.name, { propagationPolicy: policy, preconditions: { uid } });
    } catch (error: unknown) {
      if (isNotFound(error)) return;
      // A uid precondition failure means the object was replaced: nothing of ours to delete.
      if (isConflict(error)) return;
      throw error;
    }
  }

  /** Processes the orphan or foregroundDeletion finalizer of an owner being deleted. */
  private async processOwner(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node) return;
    const latest = await this.live(node);
    if (!latest || !latest.metadata.deletionTimestamp) return;
    if (hasFinalizer(latest, orphanFinalizer)) {
      for (const dependent of this.dependentsOf(uid)) {
        await this.editOwnerRefs(dependent, (list) => list.filter((r) => r.uid !== uid));
      }
      this.log('orphaned dependents', { object: `${node.ref.plural}/${node.name}`, namespace: node.namespace });
      await this.removeFinalizer(node, orphanFinalizer);
      return;
    }
    if (hasFinalizer(latest, foregroundFinalizer)) {
      const dependents = this.dependentsOf(uid);
      for (const dependent of dependents) {
        if (!dependent.object.metadata.deletionTimestamp) this.queue.add(dependentKey(dependent.uid));
      }
      const blocking = dependents.filter((d) => ownerRefs(d.object).some((r) => r.uid === uid && r.blockOwnerDeletion === true));
      if (blocking.length > 0) return; // woken again as each blocking dependent goes
      this.log('dependents gone; finishing foreground deletion', { object: `${node.ref.plural}/${node.name}`, namespace: node.namespace });
      await this.removeFinalizer(node, foregroundFinalizer);
    }
  }

  /** Rewrites a live object's ownerReferences with a merge patch guarded by its resourceVersion. */
  private async editOwnerRefs(node: GraphNode, edit: (refs: OwnerReference[]) => OwnerReference[]): Promise<void> {
    await this.patchMetadata(node, (object) => {
      const before = ownerRefs(object);
      const after = edit(before);
      if (JSON.stringify(before) === JSON.stringify(after)) return undefined;
      return { ownerReferences: after.length > 0 ? after : null };
    });
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    await this.patchMetadata(node, (object) => {
      if (!hasFinalizer(object, finalizer)) return undefined;
      const rest = (object.metadata.finalizers ?? []).filter((f) => f !== finalizer);
      return { finalizers: rest.length > 0 ? rest : null };
    });
  }

  /**
   * Reads the live object and merge-patches the metadata `change` computes from it (nothing
   * when it returns undefined), with its resourceVersion as precondition; retries on conflict.
   */
  private async patchMetadata(node: GraphNode, change: (object: KubeObject) => Record<string, unknown> | undefined): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const latest = await this.live(node);
      if (!latest) return;
      const metadata = change(latest);
      if (!metadata) return;
      try {
        await this.options.client.patch(node.ref, node.namespace, node.name, 'merge', { metadata: { ...metadata, resourceVersion: latest.metadata.resourceVersion } });
        return;
      } catch (error: unknown) {
        if (isNotFound(error)) return;
        if (isConflict(error) && attempt < maxPatchAttempts) continue;
        throw new Error(`cannot patch ${node.ref.plural}/${node.name}: ${errorMessage(error)}`);
      }
    }
  }
}
