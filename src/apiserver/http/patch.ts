import type { KubeObject, PatchSchema } from '../../api/types.js';
import { badRequest } from '../errors.js';
import { decodePatchBody } from '../patch/index.js';
import { applyPatch, patchErrorStatus, patchObject, type PatchKind } from '../registry/patch.js';
import { readBody } from './body.js';
import type { ResourceCall } from './context.js';
import { writeOptions } from './query.js';
import { sendJson } from './respond.js';
import { renderObject } from './render.js';

/** Decodes a PATCH body by its Content-Type into one of the four patch kinds. */
function decode(call: ResourceCall, raw: Buffer): { kind: PatchKind; patch: unknown } {
  try {
    const decoded = decodePatchBody(call.request.headers['content-type'] ?? '', raw.toString('utf8'));
    return { kind: decoded.type, patch: decoded.patch };
  } catch (error: unknown) {
    throw patchErrorStatus(error);
  }
}

/** Applies a PATCH body to a document that is not stored as such (the Scale view). */
export async function applyPatchToDocument(call: ResourceCall, document: KubeObject, raw: Buffer, schema: PatchSchema | undefined): Promise<unknown> {
  const { kind, patch } = decode(call, raw);
  if (kind === 'apply') throw badRequest('apply patches are not supported on this subresource');
  return applyPatch(document, kind, patch, schema);
}

/** PATCH of an object or its status: the four patch types, apply creating when absent. */
export async function handlePatch(call: ResourceCall, subresource: string | undefined): Promise<void> {
  const { context, definition, info } = call;
  const raw = await readBody(call.request);
  const { kind, patch } = decode(call, raw);
  const result = await patchObject(context.registry, definition, info.namespace, info.name ?? '', {
    kind,
    patch,
    schema: context.patchSchema(definition),
    options: { ...writeOptions(call.query), user: call.user },
    force: call.query.get('force') === 'true',
    subresource,
  });
  sendJson(call.response, result.created ? 201 : 200, renderObject(call, result.object), result.warnings);
}
