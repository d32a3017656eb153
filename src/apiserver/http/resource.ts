import type { KubeObject } from '../../api/types.js';
import { badRequest, methodNotAllowed, StatusError } from '../errors.js';
import { deleteObject } from '../registry/deletion.js';
import { listObjects } from '../registry/list.js';
import { apiVersionOf } from '../registry/objects.js';
import { partialMetadata, toTable } from '../table.js';
import { decodeBody, readBody } from './body.js';
import type { ResourceCall } from './context.js';
import { rendering, renderObject } from './render.js';
import { handlePatch } from './patch.js';
import { deleteOptions, integerParam, writeOptions } from './query.js';
import { sendJson, sendRawJson } from './respond.js';
import { handleScale } from './scale.js';
import { serveWatch } from './watch.js';

const notFoundStatus = (): StatusError => new StatusError(404, 'NotFound', 'the server could not find the requested resource');

/** Serves one resource request: routes to the verb, renders as object, Table or metadata. */
export async function handleResourceCall(call: ResourceCall): Promise<void> {
  const { definition, info } = call;
  if (definition.namespaced && info.namespace === undefined && info.verb !== 'list' && info.verb !== 'watch' && info.verb !== 'deletecollection') {
    throw notFoundStatus();
  }
  if (!definition.namespaced && info.namespace !== undefined && definition.plural !== 'namespaces') throw notFoundStatus();
  if (info.rest.length && !call.context.subresources.has(`${definition.plural}/${info.subresource}`)) throw notFoundStatus();
  if (info.subresource) return handleSubresource(call);
  switch (info.verb) {
    case 'get': return handleGet(call);
    case 'list': return handleList(call);
    case 'watch': return serveWatch(call);
    case 'create': return handleCreate(call);
    case 'update': return handleUpdate(call, undefined);
    case 'patch': return handlePatch(call, undefined);
    case 'delete': return handleDelete(call);
    case 'deletecollection': return handleDeleteCollection(call);
  }
}

async function handleSubresource(call: ResourceCall): Promise<void> {
  const { definition, info, context } = call;
  const custom = context.subresources.get(`${definition.plural}/${info.subresource}`);
  if (custom) return custom(call);
  if (info.subresource === 'status' && definition.hasStatus) {
    if (info.verb === 'get') return handleGet(call);
    if (info.verb === 'update') return handleUpdate(call, 'status');
    if (info.verb === 'patch') return handlePatch(call, 'status');
    throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  }
  if (info.subresource === 'scale' && definition.scale) return handleScale(call);
  if (definition.partialSubresources?.[info.subresource ?? '']) {
    if (info.verb === 'update') return handleUpdate(call, info.subresource);
    if (info.verb === 'patch') return handlePatch(call, info.subresource);
    throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  }
  throw notFoundStatus();
}

async function handleGet(call: ResourceCall): Promise<void> {
  const object = await call.context.registry.get(call.definition, call.info.namespace, call.info.name ?? '');
  sendJson(call.response, 200, renderObject(call, object));
}

async function handleList(call: ResourceCall): Promise<void> {
  const { query, definition, context } = call;
  const { mode, include } = rendering(call);
  const page = await listObjects(context.registry, definition, call.info.namespace, {
    asJson: mode !== 'table' && mode !== 'partial',
    labelSelector: query.get('labelSelector') ?? undefined,
    fieldSelector: query.get('fieldSelector') ?? undefined,
    limit: integerParam(query, 'limit'),
    continue: query.get('continue') ?? undefined,
    resourceVersion: query.get('resourceVersion') ?? undefined,
  });
  const metadata: Record<string, unknown> = { resourceVersion: page.resourceVersion };
  if (page.continue) metadata.continue = page.continue;
  if (page.remainingItemCount !== undefined) metadata.remainingItemCount = page.remainingItemCount;
  if (page.itemsJson) {
    const head = JSON.stringify({ kind: `${definition.kind}List`, apiVersion: apiVersionOf(definition), metadata });
    sendRawJson(call.response, 200, `${head.slice(0, -1)},"items":[${page.itemsJson.join(',')}]}`);
  } else if (mode === 'table') {
    sendJson(call.response, 200, toTable(definition, page.items, metadata, include, context.now()));
  } else if (mode === 'partial') {
    sendJson(call.response, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata, items: page.items.map(partialMetadata) });
  } else {
    sendJson(call.response, 200, { kind: `${definition.kind}List`, apiVersion: apiVersionOf(definition), metadata, items: page.items });
  }
}

async function readObjectBody(call: ResourceCall): Promise<unknown> {
  const body = await readBody(call.request);
  return decodeBody(call.request.headers['content-type'], body);
}

async function handleCreate(call: ResourceCall): Promise<void> {
  const body = await readObjectBody(call);
  const options = { ...writeOptions(call.query), user: call.user };
  const result = await call.context.registry.create(call.definition, call.info.namespace, body, options);
  sendJson(call.response, 201, renderObject(call, result.object), result.warnings);
}

async function handleUpdate(call: ResourceCall, subresource: string | undefined): Promise<void> {
  const body = await readObjectBody(call);
  const options = { ...writeOptions(call.query), user: call.user };
  const result = await call.context.registry.update(call.definition, call.info.namespace, call.info.name ?? '', body, options, subresource);
  sendJson(call.response, 200, renderObject(call, result.object), result.warnings);
}

async function readOptionalBody(call: ResourceCall): Promise<unknown> {
  const body = await readBody(call.request);
  if (body.length === 0) return undefined;
  return decodeBody(call.request.headers['content-type'], body);
}

async function handleDelete(call: ResourceCall): Promise<void> {
  const options = { ...deleteOptions(call.query, await readOptionalBody(call)), user: call.user };
  const result = await deleteObject(call.context.registry, call.definition, call.info.namespace, call.info.name ?? '', options);
  sendJson(call.response, result.removed ? 200 : 202, renderObject(call, result.object));
}

async function handleDeleteCollection(call: ResourceCall): Promise<void> {
  const { query, definition, context } = call;
  const options = { ...deleteOptions(query, await readOptionalBody(call)), user: call.user };
  const { mode, include } = rendering(call);
  const page = await listObjects(context.registry, definition, call.info.namespace, {
    asJson: mode !== 'table' && mode !== 'partial',
    labelSelector: query.get('labelSelector') ?? undefined,
    fieldSelector: query.get('fieldSelector') ?? undefined,
  });
  const deleted: KubeObject[] = [];
  for (const item of page.items) {
    try {
      const result = await deleteObject(context.registry, definition, item.metadata.namespace, item.metadata.name ?? '', options);
      deleted.push(result.object);
    } catch (error: unknown) {
      if (!(error instanceof StatusError && error.code === 404)) throw error;
    }
  }
  sendJson(call.response, 200, { kind: `${definition.kind}List`, apiVersion: apiVersionOf(definition), metadata: { resourceVersion: String(context.registry.store.revision()) }, items: deleted });
}

