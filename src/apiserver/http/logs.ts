import { PodLogError, type PodLogOptions, type PodLogSource } from '../../api/logs.js';
import { badRequest, methodNotAllowed, StatusError } from '../errors.js';
import type { ResourceCall, SubresourceHandler } from './context.js';
import { booleanParam, integerParam } from './query.js';

function logOptions(query: URLSearchParams): PodLogOptions {
  const options: PodLogOptions = {
    follow: booleanParam(query, 'follow'),
    previous: booleanParam(query, 'previous'),
    timestamps: booleanParam(query, 'timestamps'),
  };
  const container = query.get('container');
  if (container) options.container = container;
  for (const name of ['tailLines', 'sinceSeconds', 'limitBytes'] as const) {
    const value = integerParam(query, name);
    if (value !== undefined) {
      if (value < 0 || (name !== 'tailLines' && value === 0)) throw badRequest(`PodLogOptions "" is invalid: ${name}: Invalid value: ${value}: must be greater than ${name === 'tailLines' ? 'or equal to ' : ''}0`);
      options[name] = value;
    }
  }
  const sinceTime = query.get('sinceTime');
  if (sinceTime) options.sinceTime = sinceTime;
  return options;
}

/** GET pods/{name}/log: the pod's container log as text/plain, streamed while `follow`. */
export function podLogHandler(source: () => PodLogSource | undefined): SubresourceHandler {
  return async (call: ResourceCall) => {
    if (call.info.verb !== 'get') throw methodNotAllowed('the server does not allow this method on the requested resource');
    const pod = await call.context.registry.get(call.definition, call.info.namespace, call.info.name ?? '');
    const options = logOptions(call.query);
    const logs = source();
    const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    if (!logs || !nodeName) {
      throw badRequest(nodeName ? `no node agent serves logs for node ${nodeName}` : `pod ${pod.metadata.name ?? ''} does not have a host assigned`);
    }
    const abort = new AbortController();
    call.response.on('close', () => abort.abort());
    let started = false;
    try {
      for await (const chunk of logs(pod, options, abort.signal)) {
        if (!started) {
          call.response.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-cache, private' });
          started = true;
        }
        (call.response as { write(chunk: string): boolean }).write(chunk);
      }
    } catch (error: unknown) {
      if (!started && error instanceof PodLogError) throw new StatusError(error.code, error.code === 404 ? 'NotFound' : 'BadRequest', error.message);
      if (!started) throw error;
    }
    if (!started) call.response.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-cache, private' });
    call.response.end();
  };
}
