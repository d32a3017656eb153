import type { TLSSocket } from 'node:tls';
import { apiGroupList, apiGroupOf, apiResourceList, apiVersions, aggregatedDiscovery, wantsAggregated } from '../discovery.js';
import { StatusError, unauthorized } from '../errors.js';
import type { RequestUser } from '../registry/options.js';
import { authenticateServiceAccountToken } from '../serviceaccount/authenticator.js';
import { versionInfo } from '../version.js';
import type { ServerRequest } from './body.js';
import type { ApiContext } from './context.js';
import { parseRequestInfo } from './requestinfo.js';
import { handleResourceCall } from './resource.js';
import { sendError, sendJson, sendText, type ServerResponseLike } from './respond.js';

/** Serves the non-resource paths (OpenAPI documents) that the server adds. */
export type PathHandler = (request: ServerRequest, response: ServerResponseLike, url: URL) => Promise<boolean>;

const publicPaths = new Set(['/livez', '/readyz', '/healthz', '/version']);

/** The client certificate's user per TLS connection: decoding the certificate costs more than a request. */
const usersBySocket = new WeakMap<object, RequestUser | undefined>();

/** The user of a request: the client certificate's CN and O, as kube-apiserver's x509 authenticator. */
export function authenticate(request: ServerRequest): RequestUser | undefined {
  const socket = request.socket as TLSSocket;
  if (!socket || typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  // HTTP/2 requests see a new proxy of the socket per stream; the session is the connection.
  const connection: object = 'stream' in request && request.stream?.session ? request.stream.session : socket;
  if (usersBySocket.has(connection)) return usersBySocket.get(connection);
  const user = certificateUser(socket);
  usersBySocket.set(connection, user);
  return user;
}

/** The token of an `Authorization: Bearer <token>` header, as upstream's bearertoken authenticator reads it. */
export function bearerToken(request: ServerRequest): string | undefined {
  const header = request.headers.authorization;
  const parts = (typeof header === 'string' ? header.trim() : '').split(' ');
  if (parts.length < 2 || parts[0].toLowerCase() !== 'bearer' || parts[1] === '') return undefined;
  return parts[1];
}

/**
 * The user of a request, authenticators tried in kube-apiserver's order: the client certificate,
 * then a service account bearer token. A bearer token that is not valid is a 401 even when
 * nothing else would have been asked of the caller.
 */
export async function authenticateRequest(request: ServerRequest, context: ApiContext): Promise<RequestUser | undefined> {
  const certified = authenticate(request);
  if (certified) return certified;
  const token = bearerToken(request);
  if (token === undefined) return undefined;
  try {
    const user = await authenticateServiceAccountToken(context.registry, context.tokens, token);
    if (user) return user;
    context.log('Unable to authenticate the request', { error: 'invalid bearer token' });
  } catch (error: unknown) {
    context.log('Unable to authenticate the request', { error: error instanceof Error ? error.message : String(error) });
  }
  throw unauthorized();
}

function certificateUser(socket: TLSSocket): RequestUser | undefined {
  const certificate = socket.getPeerCertificate();
  const subject = certificate?.subject;
  const commonName = Array.isArray(subject?.CN) ? subject.CN[0] : subject?.CN;
  if (!commonName) return undefined;
  const organisations = subject.O === undefined ? [] : Array.isArray(subject.O) ? subject.O : [subject.O];
  return { name: commonName, groups: [...organisations, 'system:authenticated'] };
}

/** Routes one HTTP request: health, version, discovery, extra paths, then resources. */
export function createRouter(context: ApiContext, extraPaths: PathHandler[], isReady: () => boolean) {
  return async (request: ServerRequest, response: ServerResponseLike): Promise<void> => {
    try {
      const url = new URL(request.url ?? '/', 'https://localhost');
      const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
      if (path === '/livez' || path === '/healthz') return sendText(response, 200, 'ok');
      if (path === '/readyz') return isReady() ? sendText(response, 200, 'ok') : sendText(response, 500, '[-]store failed: not ready\nreadyz check failed');
      if (path === '/version') return sendJson(response, 200, versionInfo());
      const user = await authenticateRequest(request, context);
      if (!user && !publicPaths.has(path)) throw unauthorized();
      const method = request.method ?? 'GET';
      if (method === 'GET' && path === '/api') {
        const aggregated = wantsAggregated(request.headers.accept);
        if (aggregated) return sendJson(response, 200, aggregatedDiscovery(context.resources, true, aggregated), [], discoveryType(aggregated));
        return sendJson(response, 200, apiVersions());
      }
      if (method === 'GET' && path === '/apis') {
        const aggregated = wantsAggregated(request.headers.accept);
        if (aggregated) return sendJson(response, 200, aggregatedDiscovery(context.resources, false, aggregated), [], discoveryType(aggregated));
        return sendJson(response, 200, apiGroupList(context.resources));
      }
      const parts = path.split('/').filter(Boolean);
      if (method === 'GET' && parts[0] === 'apis' && parts.length === 2) {
        const group = apiGroupOf(context.resources, parts[1]);
        if (group) return sendJson(response, 200, group);
      }
      if (method === 'GET' && ((parts[0] === 'api' && parts.length === 2) || (parts[0] === 'apis' && parts.length === 3))) {
        const list = parts[0] === 'api' ? apiResourceList(context.resources, '', parts[1]) : apiResourceList(context.resources, parts[1], parts[2]);
        if (list) return sendJson(response, 200, list);
      }
      for (const handler of extraPaths) {
        if (await handler(request, response, url)) return;
      }
      const info = parseRequestInfo(method, path, url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1');
      const definition = info && context.findResource(info.group, info.version, info.resource);
      if (!info || !definition || !user) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      await handleResourceCall({ context, definition, info, query: url.searchParams, request, response, user });
    } catch (error: unknown) {
      if (response.headersSent) {
        if (!(error instanceof StatusError)) context.log('request failed after headers were sent', { error: String(error) });
        response.end();
        return;
      }
      sendError(response, error, context.log);
    }
  };
}

function discoveryType(version: string): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}
