import type { KubeObject, PatchSchema, ResourceDefinition } from '../api/types.js';
import {
  bindPodToNode, createTokenRequest, deleteObject, listObjects, patchObject, StatusError, watchObjects,
  type ApiServer, type ObjectEvent, type Registry, type RequestUser, type ServiceAccountTokens,
} from '../apiserver/index.js';
import type {
  Client, ClientDeleteOptions, ClientList, ClientListOptions, ClientWatchEvent, ClientWatchOptions,
  ClientWriteOptions, PatchType, ResourceRef, TokenRequest,
} from './types.js';

/**
 * A Client that calls the API server's registry directly: no HTTP and no re-serialisation,
 * but the same defaulting, validation and admission as remote calls.
 */
export class InProcessClient implements Client {
  private readonly byRef = new Map<string, ResourceDefinition>();

  constructor(
    private readonly registry: Registry,
    resources: ResourceDefinition[],
    private readonly user: RequestUser,
    private readonly patchSchema: (definition: ResourceDefinition) => PatchSchema | undefined = () => undefined,
    private readonly tokens?: ServiceAccountTokens,
  ) {
    for (const r of resources) this.byRef.set(`${r.group ? `${r.group}/` : ''}${r.version}/${r.plural}`, r);
  }

  /** A client of a server running in this process, acting as `user`. */
  static forServer(server: ApiServer, user: RequestUser): InProcessClient {
    return new InProcessClient(server.registry, server.context.resources, user, server.context.patchSchema, server.tokens);
  }

  private definition(ref: ResourceRef): ResourceDefinition {
    const definition = this.byRef.get(`${ref.apiVersion}/${ref.plural}`);
    if (!definition) throw new StatusError(404, 'NotFound', `the server could not find the requested resource (${ref.apiVersion} ${ref.plural})`);
    return definition;
  }

  async get<T extends KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string): Promise<T> {
    return (await this.registry.get(this.definition(ref), namespace, name)) as T;
  }

  async list<T extends KubeObject>(ref: ResourceRef, namespace: string | undefined, options: ClientListOptions = {}): Promise<ClientList<T>> {
    const page = await listObjects(this.registry, this.definition(ref), namespace, options);
    return { items: page.items as T[], resourceVersion: page.resourceVersion, continue: page.continue };
  }

  async create<T extends KubeObject>(ref: ResourceRef, namespace: string | undefined, object: T, options: ClientWriteOptions = {}): Promise<T> {
    const result = await this.registry.create(this.definition(ref), namespace, structuredClone(object), { ...options, user: this.user });
    return result.object as T;
  }

  async update<T extends KubeObject>(ref: ResourceRef, object: T, options: ClientWriteOptions & { subresource?: string } = {}): Promise<T> {
    const { subresource, ...rest } = options;
    const result = await this.registry.update(this.definition(ref), object.metadata.namespace, object.metadata.name ?? '', structuredClone(object), { ...rest, user: this.user }, subresource);
    return result.object as T;
  }

  async patch<T extends KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string, type: PatchType, patch: unknown, options: ClientWriteOptions & { subresource?: string } = {}): Promise<T> {
    const definition = this.definition(ref);
    const { subresource, force, ...rest } = options;
    const result = await patchObject(this.registry, definition, namespace, name, {
      kind: type,
      patch: structuredClone(patch),
      schema: this.patchSchema(definition),
      options: { ...rest, fieldManager: rest.fieldManager ?? this.user.name, user: this.user },
      force,
      subresource,
    });
    return result.object as T;
  }

  async delete(ref: ResourceRef, namespace: string | undefined, name: string, options: ClientDeleteOptions = {}): Promise<KubeObject> {
    return (await deleteObject(this.registry, this.definition(ref), namespace, name, { ...options, user: this.user })).object;
  }

  async bind(namespace: string, podName: string, nodeName: string): Promise<void> {
    const pods = this.definition({ apiVersion: 'v1', plural: 'pods' });
    await bindPodToNode(this.registry, pods, namespace, podName, {
      apiVersion: 'v1', kind: 'Binding', metadata: { name: podName, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    }, { user: this.user, fieldManager: this.user.name });
  }

  async createToken(namespace: string, serviceAccountName: string, request: TokenRequest): Promise<TokenRequest> {
    if (!this.tokens) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    return (await createTokenRequest(this.registry, this.tokens, namespace, serviceAccountName, structuredClone(request))) as TokenRequest;
  }

  async *watch<T extends KubeObject>(ref: ResourceRef, namespace: string | undefined, options: ClientWatchOptions, signal: AbortSignal): AsyncIterable<ClientWatchEvent<T>> {
    const definition = this.definition(ref);
    const queue: ObjectEvent[] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    let failure: unknown;
    const done = watchObjects(this.registry, definition, namespace, options, (event) => {
      queue.push(event);
      wake?.();
    }, signal).then(
      () => { finished = true; wake?.(); },
      (error: unknown) => { failure = error; finished = true; wake?.(); },
    );
    while (true) {
      while (queue.length) yield queue.shift() as ClientWatchEvent<T>;
      if (finished) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    await done;
    if (failure && !signal.aborted) throw failure;
  }
}
