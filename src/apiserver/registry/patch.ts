import type { KubeObject, PatchSchema, ResourceDefinition } from '../../api/types.js';
import { badRequest, conflict, StatusError } from '../errors.js';
import { applyJsonPatch, applyMergePatch, applyServerSide, applyStrategicMergePatch, PatchError } from '../patch/index.js';
import { settle, type Registry } from './engine.js';
import { isRecord, timestamp } from './objects.js';
import type { WriteOptions, WriteResult } from './options.js';

export type PatchKind = 'json' | 'merge' | 'strategic' | 'apply';

/** Turns a patch library error into the Status kube-apiserver sends. */
export function patchErrorStatus(error: unknown): unknown {
  if (error instanceof PatchError) {
    const reason = error.code === 422 ? 'Invalid' : error.code === 409 ? 'Conflict' : error.code === 415 ? 'UnsupportedMediaType' : 'BadRequest';
    return new StatusError(error.code, reason, error.message, error.causes ? { causes: error.causes } : undefined);
  }
  return error;
}

/** Applies a JSON, merge or strategic merge patch to a document (objects and Scale alike). */
export function applyPatch(document: KubeObject, kind: Exclude<PatchKind, 'apply'>, patch: unknown, schema: PatchSchema | undefined): unknown {
  try {
    switch (kind) {
      case 'json': return applyJsonPatch(document, patch);
      case 'merge': return applyMergePatch(document, patch);
      case 'strategic': return applyStrategicMergePatch(document, patch, schema);
    }
  } catch (error: unknown) {
    throw patchErrorStatus(error);
  }
}

export interface PatchRequest {
  kind: PatchKind;
  patch: unknown;
  schema: PatchSchema | undefined;
  options: WriteOptions;
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
  subresource?: string;
}

/**
 * PATCH of an object or its status. JSON, merge and strategic patches retry on conflicts
 * unless the patch names a resourceVersion; server-side apply creates the object when absent.
 */
export async function patchObject(registry: Registry, definition: ResourceDefinition, namespace: string | undefined, name: string, request: PatchRequest): Promise<WriteResult & { created: boolean }> {
  const { options, subresource, schema } = request;
  if (request.kind === 'apply') {
    if (!options.fieldManager) throw badRequest('fieldManager is required for apply requests');
    const applied = registry.checkBody(definition, request.patch, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const current = await registry.read(definition, namespace, name);
      let merged: KubeObject;
      try {
        merged = applyServerSide({
          live: current?.object,
          applied: structuredClone(applied),
          manager: options.fieldManager,
          force: request.force ?? false,
          schema,
          apiVersion: applied.apiVersion ?? '',
          now: timestamp(registry.now()),
          subresource,
        });
      } catch (error: unknown) {
        throw patchErrorStatus(error);
      }
      try {
        if (!current) {
          if (subresource) throw registryNotFound(registry, definition, name);
          const created = await registry.create(definition, namespace, merged, { ...options, managedFieldsDone: true });
          return { ...created, created: true };
        }
        const updated = await registry.writeUpdate(definition, current.object, current.stored.revision, merged, { ...options, managedFieldsDone: true }, subresource);
        return { ...updated, created: false };
      } catch (error: unknown) {
        const retry = error instanceof StatusError && error.code === 409 && (error.reason === 'Conflict' || error.reason === 'AlreadyExists');
        if (!retry || attempt >= 5) throw error;
        await settle(attempt);
      }
    }
  }
  const kind = request.kind;
  const result = await registry.guaranteedUpdate(definition, namespace, name, (current) => {
    const currentVersion = current.metadata.resourceVersion;
    const patched = applyPatch(current, kind, request.patch, schema);
    if (!isRecord(patched) || !isRecord(patched.metadata)) throw badRequest('the patched object must be a JSON object with metadata');
    const object = registry.checkBody(definition, patched, namespace, name);
    const wanted = object.metadata.resourceVersion;
    if (wanted !== undefined && wanted !== currentVersion) throw conflict(registry.gr(definition), name);
    return object;
  }, options, subresource);
  return { ...result, created: false };
}

function registryNotFound(registry: Registry, definition: ResourceDefinition, name: string): StatusError {
  const gr = registry.gr(definition);
  return new StatusError(404, 'NotFound', `${gr.group ? `${gr.resource}.${gr.group}` : gr.resource} "${name}" not found`, { name, kind: gr.resource, group: gr.group || undefined });
}
