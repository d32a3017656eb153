import { badRequest, StatusError } from '../errors.js';

/** What a resource request asks for, parsed from its method and path (as apiserver's RequestInfo). */
export interface RequestInfo {
  group: string;
  version: string;
  /** The plural, e.g. `pods`. */
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';
  /** Extra path segments after the subresource (e.g. proxy paths). */
  rest: string[];
}

const namespaceSubresources = new Set(['status', 'finalize']);

/**
 * Parses `/api/v1/...` and `/apis/<group>/<version>/...` paths. Returns undefined for
 * paths that are not resource requests (discovery roots are handled elsewhere).
 */
export function parseRequestInfo(method: string, pathname: string, watchParam: boolean): RequestInfo | undefined {
  const parts = pathname.split('/').filter((p) => p.length > 0).map(decodeSegment);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let watch = watchParam;
  if (rest[0] === 'watch') {
    watch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !namespaceSubresources.has(rest[2])) rest = rest.slice(2);
  }
  if (rest.length === 0) return undefined;
  const [resource, name, subresource, ...tail] = rest;
  const resourceNamespace = resource === 'namespaces' && namespace !== undefined && name === namespace ? undefined : namespace;
  let verb: RequestInfo['verb'];
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = name === undefined ? (watch ? 'watch' : 'list') : watch ? 'watch' : 'get';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name === undefined ? 'deletecollection' : 'delete';
      break;
    default:
      throw new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
  }
  return { group, version, resource, namespace: resourceNamespace, name, subresource, verb, rest: tail };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`invalid path segment: ${segment.slice(0, 100)}`);
  }
}
