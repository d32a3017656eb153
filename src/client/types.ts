import type { KubeObject } from '../api/types.js';

/** Names a resource the way clients do: apiVersion plus plural (`apps/v1`, `deployments`). */
export interface ResourceRef {
  apiVersion: string;
  plural: string;
}

export interface ClientListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ClientList<T extends KubeObject = KubeObject> {
  items: T[];
  resourceVersion: string;
  continue?: string;
}

export interface ClientWatchOptions {
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
}

export interface ClientWatchEvent<T extends KubeObject = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** authentication.k8s.io/v1 TokenRequest, the body and answer of serviceaccounts/{name}/token. */
export interface TokenRequest extends KubeObject {
  spec: {
    audiences?: string[];
    expirationSeconds?: number;
    boundObjectRef?: { apiVersion?: string; kind?: string; name?: string; uid?: string } | null;
  };
  status?: { token: string; expirationTimestamp: string };
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface ClientWriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
  /** Server-side apply only. */
  force?: boolean;
}

export interface ClientDeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

/**
 * The one way components reach the cluster. Errors are StatusErrors (code, reason) whether
 * the call ran in-process or over HTTPS.
 */
export interface Client {
  get<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string): Promise<T>;
  list<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, options?: ClientListOptions): Promise<ClientList<T>>;
  create<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, object: T, options?: ClientWriteOptions): Promise<T>;
  update<T extends KubeObject = KubeObject>(ref: ResourceRef, object: T, options?: ClientWriteOptions & { subresource?: string }): Promise<T>;
  patch<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string, type: PatchType, patch: unknown, options?: ClientWriteOptions & { subresource?: string }): Promise<T>;
  delete(ref: ResourceRef, namespace: string | undefined, name: string, options?: ClientDeleteOptions): Promise<KubeObject>;
  /** Binds a pending pod to a node through pods/binding (409 when it is already bound). */
  bind(namespace: string, podName: string, nodeName: string): Promise<void>;
  /**
   * Requests a token for a service account through serviceaccounts/{name}/token (client-go's
   * CreateToken): `request` is an authentication.k8s.io/v1 TokenRequest; the answer carries
   * status.token and status.expirationTimestamp.
   */
  createToken(namespace: string, serviceAccountName: string, request: TokenRequest): Promise<TokenRequest>;
  /** Streams events until the signal aborts or the server ends the watch. */
  watch<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, options: ClientWatchOptions, signal: AbortSignal): AsyncIterable<ClientWatchEvent<T>>;
}
