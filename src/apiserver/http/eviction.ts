import { methodNotAllowed } from '../errors.js';
import { evictPod } from '../registry/eviction.js';
import { isRecord } from '../registry/objects.js';
import { decodeBody, readBody } from './body.js';
import type { ResourceCall } from './context.js';
import { deleteOptions } from './query.js';
import { sendJson } from './respond.js';

/**
 * POST /api/v1/namespaces/{ns}/pods/{name}/eviction (kubectl drain), answered with a Success
 * Status like kube-apiserver; a spent disruption budget is a 429 the client retries.
 */
export async function handleEviction(call: ResourceCall): Promise<void> {
  if (call.info.verb !== 'create') throw methodNotAllowed('the server does not allow this method on the requested resource');
  const body = await decodeBody(call.request.headers['content-type'], await readBody(call.request));
  // The Eviction's deleteOptions and the query's dryRun both apply, as propagateDryRun does.
  const options = deleteOptions(call.query, isRecord(body) ? body.deleteOptions : undefined);
  await evictPod(call.context.registry, call.definition, call.info.namespace, call.info.name ?? '', body, { ...options, user: call.user });
  sendJson(call.response, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}
