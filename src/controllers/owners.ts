/**
 * OwnerReference helpers shared by the workload controllers (client-go's controller_ref_manager
 * and metav1.GetControllerOf, small): finding an object's controller, building controller
 * references, and claiming objects — adopting matching orphans and releasing owned objects
 * that no longer match.
 */
import type { KubeObject, OwnerReference } from '../api/types.js';
import { selectorIsEmpty, selectorMatches } from '../api/validation/selector.js';
import type { Client, ResourceRef } from '../client/index.js';
import { errorMessage, isConflict, isNotFound, statusCode } from '../client/errors.js';

export { errorMessage, isConflict, isNotFound, statusCode };

export type Log = (message: string, fields?: Record<string, unknown>) => void;

/** The owner reference with controller: true, if any (metav1.GetControllerOf). */
export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** Whether `object` is controlled by the owner with this uid. */
export function isControlledBy(object: KubeObject, ownerUid: string | undefined): boolean {
  const ref = controllerOf(object);
  return ref !== undefined && ownerUid !== undefined && ref.uid === ownerUid;
}

/** A controller reference to `owner` (metav1.NewControllerRef). */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/**
 * Whether a LabelSelector selects these labels. An empty or missing selector selects nothing
 * here: validation forbids them for workloads, and claiming every object would be harmful.
 */
export function selects(selector: unknown, labels: Record<string, string> | undefined): boolean {
  if (selector === undefined || selector === null || selectorIsEmpty(selector)) return false;
  return selectorMatches(selector, labels ?? {});
}

/** `ns/name`, the work-queue key of an object. */
export function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}




export function reasonOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('reason' in error)) return undefined;
  const reason = (error as { reason: unknown }).reason;
  return typeof reason === 'string' ? reason : undefined;
}


/**
 * Replaces an object's ownerReferences with a JSON patch guarded by a test of its uid, so
 * the patch never lands on a different object that reused the name.
 */
export async function patchOwnerReferences(client: Client, ref: ResourceRef, object: KubeObject, ownerReferences: OwnerReference[]): Promise<KubeObject> {
  const patch: unknown[] = [{ op: 'test', path: '/metadata/uid', value: object.metadata.uid }];
  if (ownerReferences.length === 0) {
    if (object.metadata.ownerReferences !== undefined) patch.push({ op: 'remove', path: '/metadata/ownerReferences' });
  } else {
    patch.push({ op: 'add', path: '/metadata/ownerReferences', value: ownerReferences });
  }
  return client.patch(ref, object.metadata.namespace, object.metadata.name ?? '', 'json', patch);
}

export interface ClaimOptions<T extends KubeObject> {
  client: Client;
  /** The resource of the claimed objects (pods, replicasets). */
  ref: ResourceRef;
  /** The controller, and how to reference it. */
  owner: KubeObject;
  ownerApiVersion: string;
  ownerKind: string;
  selector: unknown;
  objects: T[];
  /**
   * Checked once before the first adoption (kube's canAdopt: a fresh read of the owner, which
   * must still exist with the same uid and not be being deleted).
   */
  canAdopt?: () => Promise<boolean>;
  log?: Log;
}

/**
 * Claims objects for a controller (ClaimPods / ClaimReplicaSets): returns the objects it owns
 * after adopting matching orphans and releasing owned objects whose labels no longer match.
 * Objects controlled by someone else are never touched.
 */
export async function claimObjects<T extends KubeObject>(options: ClaimOptions<T>): Promise<T[]> {
  const { client, ref, owner, selector, objects } = options;
  const ownerUid = owner.metadata.uid;
  const ownerDeleting = Boolean(owner.metadata.deletionTimestamp);
  const claimed: T[] = [];
  let adoptable: boolean | undefined;
  for (const object of objects) {
    const controller = controllerOf(object);
    const matches = selects(selector, object.metadata.labels);
    if (controller) {
      if (controller.uid !== ownerUid) continue;
      if (matches) {
        claimed.push(object);
        continue;
      }
      // Owned but no longer selected: release it unless the owner is going away.
      if (ownerDeleting) continue;
      try {
        const rest = (object.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
        await patchOwnerReferences(client, ref, object, rest);
      } catch (error: unknown) {
        // Gone, or changed meanwhile (uid test failed): nothing to release.
        if (!isNotFound(error) && statusCode(error) !== 422) throw error;
      }
      continue;
    }
    // An orphan: adopt it if it matches and neither it nor the owner is being deleted.
    if (!matches || ownerDeleting || object.metadata.deletionTimestamp) continue;
    if (adoptable === undefined) adoptable = options.canAdopt ? await options.canAdopt() : true;
    if (!adoptable) continue;
    try {
      const owners = [...(object.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid), newControllerRef(owner, options.ownerApiVersion, options.ownerKind)];
      const adopted = (await patchOwnerReferences(client, ref, object, owners)) as T;
      claimed.push(adopted);
    } catch (error: unknown) {
      if (isNotFound(error) || statusCode(error) === 422) continue;
      throw error;
    }
  }
  return claimed;
}

/** kube's canAdopt: a fresh read of the owner must show the same uid and no deletion. */
export function freshOwnerCheck(client: Client, ref: ResourceRef, owner: KubeObject): () => Promise<boolean> {
  return async () => {
    try {
      const fresh = await client.get(ref, owner.metadata.namespace, owner.metadata.name ?? '');
      return fresh.metadata.uid === owner.metadata.uid && !fresh.metadata.deletionTimestamp;
    } catch (error: unknown) {
      if (isNotFound(error)) return false;
      throw error;
    }
  };
}

/** A timer that does not keep the process alive. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}
