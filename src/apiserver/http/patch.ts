import type { KubeObject, PatchSchema } from '../../api/types.js';
import { badRequest, conflict, StatusError } from '../errors.js';
import { applyJsonPatch, applyMergePatch, applyServerSide, applyStrategicMergePatch, decodePatchBody, PatchError } from '../patch/index.js';
import { isRecord } from '../registry/objects.js';
import { readBody } from './body.js';
import type { ResourceCall } from './context.js';
import { writeOptions } from './query.js';
import { sendJson } from './respond.js';
import { renderObject } from './resource.js';

/** Turns a patch library error into the Status kube-apiserver sends. */
function asStatus(error: unknown): unknown {
  if (error instanceof PatchError) {
    const reason = error.code === 422 ? 'Invalid' : error.code === 409 ? 'Conflict' : error.code === 415 ? 'UnsupportedMediaType' : 'BadRequest';
    return new StatusError(error.code, reason, error.message, error.causes ? { causes: error.causes } : undefined);
  }
  return error;
}

/** Applies a JSON, merge or strategic merge patch body to a document (for objects and Scale). */
export async function applyPatchToDocument(call: ResourceCall, document: KubeObject, raw: Buffer, schema: PatchSchema | undefined): Promise<unknown> {
  try {
    const decoded = decodePatchBody(call.request.headers['content-type'] ?? '', raw.toString('utf8'));
    switch (decoded.type) {
      case 'json': return applyJsonPatch(document, decoded.patch);
      case 'merge': return applyMergePatch(document, decoded.patch);
      case 'strategic': return applyStrategicMergePatch(document, decoded.patch, schema);
      case 'apply': throw badRequest('apply patches are not supported on this subresource');
    }
  } catch (error: unknown) {
    throw asStatus(error);
  }
}

/** PATCH of an object or its status: the four patch types, apply creating when absent. */
export async function handlePatch(call: ResourceCall, subresource: string | undefined): Promise<void> {
  const { context, definition, info } = call;
  const registry = context.registry;
  const name = info.name ?? '';
  const raw = await readBody(call.request);
  const options = { ...writeOptions(call.query), user: call.user };
  const schema = context.patchSchema(definition);
  let decoded: ReturnType<typeof decodePatchBody>;
  try {
    decoded = decodePatchBody(call.request.headers['content-type'] ?? '', raw.toString('utf8'));
  } catch (error: unknown) {
    throw asStatus(error);
  }
  if (decoded.type === 'apply') {
    if (!options.fieldManager) throw badRequest('fieldManager is required for apply requests');
    const manager = options.fieldManager;
    const force = call.query.get('force') === 'true';
    const applied = registry.checkBody(definition, decoded.patch, info.namespace, name);
    for (let attempt = 0; ; attempt++) {
      const current = await registry.read(definition, info.namespace, name);
      let merged: KubeObject;
      try {
        merged = applyServerSide({ live: current?.object, applied: structuredClone(applied), manager, force, schema, apiVersion: applied.apiVersion ?? '', now: new Date(context.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'), subresource });
      } catch (error: unknown) {
        throw asStatus(error);
      }
      try {
        if (!current) {
          if (subresource) throw new StatusError(404, 'NotFound', `${definition.plural} "${name}" not found`);
          const created = await registry.create(definition, info.namespace, merged, { ...options, managedFieldsDone: true });
          sendJson(call.response, 201, renderObject(call, created.object), created.warnings);
          return;
        }
        const updated = await registry.writeUpdate(definition, current.object, current.stored.revision, merged, options, subresource, true);
        sendJson(call.response, 200, renderObject(call, updated.object), updated.warnings);
        return;
      } catch (error: unknown) {
        const retry = error instanceof StatusError && error.code === 409 && (error.reason === 'Conflict' || error.reason === 'AlreadyExists');
        if (!retry || attempt >= 5) throw error;
      }
    }
  }
  const result = await registry.guaranteedUpdate(definition, info.namespace, name, async (current) => {
    const currentVersion = current.metadata.resourceVersion;
    const patched = await applyPatchToDocument(call, current, raw, schema);
    if (!isRecord(patched) || !isRecord(patched.metadata)) throw badRequest('the patched object must be a JSON object with metadata');
    const object = registry.checkBody(definition, patched, info.namespace, name);
    const wanted = object.metadata.resourceVersion;
    if (wanted !== undefined && wanted !== currentVersion) throw conflict(registry.gr(definition), name);
    return object;
  }, options, subresource);
  sendJson(call.response, 200, renderObject(call, result.object), result.warnings);
}
