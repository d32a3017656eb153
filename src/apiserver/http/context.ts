import type { PatchSchema, ResourceDefinition } from '../../api/types.js';
import type { Registry } from '../registry/engine.js';
import type { RequestUser } from '../registry/options.js';
import type { ServiceAccountTokens } from '../serviceaccount/jwt.js';
import type { ServerRequest } from './body.js';
import type { RequestInfo } from './requestinfo.js';
import type { ServerResponseLike } from './respond.js';

export type Logger = (message: string, fields?: Record<string, unknown>) => void;

/** A handler for a subresource that is not plain data (binding, eviction, log, exec …). */
export type SubresourceHandler = (call: ResourceCall) => Promise<void>;

/** Everything the HTTP layer needs, shared by all requests. */
export interface ApiContext {
  registry: Registry;
  resources: ResourceDefinition[];
  findResource(group: string, version: string, plural: string): ResourceDefinition | undefined;
  patchSchema(definition: ResourceDefinition): PatchSchema | undefined;
  /** Subresource handlers by `<plural>/<subresource>`, e.g. `pods/binding`. */
  subresources: Map<string, SubresourceHandler>;
  log: Logger;
  now(): Date;
  /** Issues and verifies service account tokens (bearer authentication, serviceaccounts/token). */
  tokens: ServiceAccountTokens;
}

/** One resource request in flight. */
export interface ResourceCall {
  context: ApiContext;
  definition: ResourceDefinition;
  info: RequestInfo;
  query: URLSearchParams;
  request: ServerRequest;
  response: ServerResponseLike;
  user: RequestUser;
}
