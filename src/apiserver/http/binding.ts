import { methodNotAllowed } from '../errors.js';
import { bindPodToNode } from '../registry/binding.js';
import { decodeBody, readBody } from './body.js';
import type { ResourceCall } from './context.js';
import { writeOptions } from './query.js';
import { sendJson } from './respond.js';

/** POST /api/v1/namespaces/{ns}/pods/{name}/binding, answered with a Success Status like kube-apiserver. */
export async function handleBinding(call: ResourceCall): Promise<void> {
  if (call.info.verb !== 'create') throw methodNotAllowed('the server does not allow this method on the requested resource');
  const body = await decodeBody(call.request.headers['content-type'], await readBody(call.request));
  await bindPodToNode(call.context.registry, call.definition, call.info.namespace, call.info.name ?? '', body, { ...writeOptions(call.query), user: call.user });
  sendJson(call.response, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}
