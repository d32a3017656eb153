import type { KubeObject, ResourceDefinition } from '../../api/types.js';
import { StoreError } from '../../storage/types.js';
import { conflict, notFound } from '../errors.js';
import type { Registry } from './engine.js';
import { admitNamespaceDelete } from './namespaces.js';
import { decodeStored, encodeForStore, objectKey, timestamp } from './objects.js';
import type { DeleteOptions } from './options.js';

/** The outcome of a delete: the object as last seen, and whether it is gone. */
export interface DeleteResult {
  object: KubeObject;
  /** False while finalizers or a grace period hold the object (it carries deletionTimestamp). */
  removed: boolean;
}

const orphanFinalizer = 'orphan';
const foregroundFinalizer = 'foregroundDeletion';

/**
 * Deletes an object as Kubernetes does: preconditions, graceful deletion, finalizers
 * (deletionTimestamp is set and the object stays until they are gone), else removal.
 */
export async function deleteObject(registry: Registry, definition: ResourceDefinition, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<DeleteResult> {
  admitNamespaceDelete(definition, name);
  const gr = registry.gr(definition);
  for (let attempt = 0; ; attempt++) {
    const current = await registry.read(definition, namespace, name);
    if (!current) throw notFound(gr, name);
    const object = current.object;
    const preconditions = options.preconditions ?? {};
    if (preconditions.uid && preconditions.uid !== object.metadata.uid) {
      throw conflict(gr, name, `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${object.metadata.uid ?? ''}`);
    }
    if (preconditions.resourceVersion && preconditions.resourceVersion !== object.metadata.resourceVersion) {
      throw conflict(gr, name, `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${object.metadata.resourceVersion ?? ''}`);
    }
    const key = objectKey(definition, namespace, name);
    const grace = definition.strategy.deletionGracePeriod?.(object, options.gracePeriodSeconds) ?? 0;
    const finalizers = [...(object.metadata.finalizers ?? [])];
    if (registry.options.garbageCollector && !object.metadata.deletionTimestamp) {
      if (options.propagationPolicy === 'Orphan' && !finalizers.includes(orphanFinalizer)) finalizers.push(orphanFinalizer);
      if (options.propagationPolicy === 'Foreground' && !finalizers.includes(foregroundFinalizer)) finalizers.push(foregroundFinalizer);
    }
    const marked = structuredClone(object);
    definition.strategy.prepareForDeletion?.(marked);
    const blocked = finalizers.length > 0 || grace > 0 || Boolean(definition.strategy.deletionBlocked?.(marked));
    try {
      if (!blocked) {
        if (options.dryRun) return { object, removed: true };
        const removed = await registry.store.delete(key, current.stored.revision);
        return { object: registry.withTypeMeta(definition, decodeStored(definition, removed)), removed: true };
      }
      const previousGrace = object.metadata.deletionGracePeriodSeconds;
      if (object.metadata.deletionTimestamp && (previousGrace === undefined || grace >= previousGrace) && finalizers.length === (object.metadata.finalizers ?? []).length) {
        return { object, removed: false };
      }
      marked.metadata.finalizers = finalizers;
      if (finalizers.length === 0) delete marked.metadata.finalizers;
      marked.metadata.deletionTimestamp = timestamp(new Date(registry.now().getTime() + grace * 1000));
      marked.metadata.deletionGracePeriodSeconds = grace;
      if (definition.generationTracksSpec) marked.metadata.generation = (object.metadata.generation ?? 1) + 1;
      if (options.dryRun) return { object: marked, removed: false };
      const stored = await registry.store.update(key, encodeForStore(marked), current.stored.revision);
      return { object: registry.withTypeMeta(definition, decodeStored(definition, stored)), removed: false };
    } catch (error: unknown) {
      if (error instanceof StoreError && (error.code === 'Conflict' || error.code === 'KeyNotFound') && attempt < 5) continue;
      if (error instanceof StoreError && error.code === 'KeyNotFound') throw notFound(gr, name);
      throw error;
    }
  }
}
