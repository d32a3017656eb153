import { methodNotAllowed } from '../errors.js';
import { createTokenRequest } from '../serviceaccount/token-request.js';
import { decodeBody, readBody } from './body.js';
import type { ResourceCall } from './context.js';
import { sendJson } from './respond.js';

/** POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token (`kubectl create token`), answered 201 with the TokenRequest. */
export async function handleServiceAccountToken(call: ResourceCall): Promise<void> {
  if (call.info.verb !== 'create') throw methodNotAllowed('the server does not allow this method on the requested resource');
  const body = await decodeBody(call.request.headers['content-type'], await readBody(call.request));
  const created = await createTokenRequest(call.context.registry, call.context.tokens, call.info.namespace ?? '', call.info.name ?? '', body);
  sendJson(call.response, 201, created);
}
