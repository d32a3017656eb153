import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { resources as catalogue } from '../api/index.js';
import type { KubeObject, ResourceDefinition } from '../api/types.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../api/validation/index.js';
import { openStore } from '../storage/index.js';
import type { Logger } from './http/context.js';
import { buildOpenApiV3, patchSchemaFor, unknownFields } from './openapi/index.js';
import { openApiPaths } from './http/openapi.js';
import { updateManagedFields } from './patch/index.js';
import { ApiServer } from './server.js';
import { ServiceAddressAllocator } from './admission/service-addresses.js';
import { AdmissionChain } from './admission/index.js';
import { handleBinding } from './http/binding.js';
import { handleEviction } from './http/eviction.js';
import { podLogHandler } from './http/logs.js';
import { podAttachHandler, podExecHandler } from './http/exec.js';
import { podPortForwardHandler } from './http/portforward.js';
import { handleServiceAccountToken } from './http/token.js';
import type { PodLogSource } from '../api/logs.js';
import type { PodExecSource } from '../api/exec.js';
import type { PodPortForwardSource } from '../api/portforward.js';
import { apiVersionOf, timestamp } from './registry/objects.js';

export { ApiServer } from './server.js';
export { StatusError } from './errors.js';
export type { ApiServerOptions } from './server.js';
export { Registry } from './registry/engine.js';
export type { RequestUser } from './registry/options.js';
export { listObjects } from './registry/list.js';
export { deleteObject } from './registry/deletion.js';
export { patchObject } from './registry/patch.js';
export { bindPodToNode } from './registry/binding.js';
export { watchObjects, type ObjectEvent } from './registry/watch.js';
export { createTokenRequest } from './serviceaccount/token-request.js';
export type { ServiceAccountTokens } from './serviceaccount/jwt.js';

/** Options of a control plane started in this process. */
export interface ControlPlaneOptions {
  dataDir: string;
  port?: number;
  host?: string;
  log?: Logger;
  /** Store URL; default `sqlite://<dataDir>/state.db`. */
  storeUrl?: string;
  now?: () => Date;
  /** Where pods' logs come from (the node agent), looked up per request: the agent starts later. */
  podLogs?: () => PodLogSource | undefined;
  /** Where commands run (the node agent), looked up per request like podLogs. */
  podExec?: () => PodExecSource | undefined;
  /** Where attaching to a container's own process goes (the node agent), like podExec. */
  podAttach?: () => PodExecSource | undefined;
  /** Where pods' ports are reached (the node agent), looked up per request like podLogs. */
  podPortForward?: () => PodPortForwardSource | undefined;
  /** A garbage collector runs: Orphan and Foreground deletions get their finalizers. */
  garbageCollector?: boolean;
  /**
   * Admission plugins left out, by kube-apiserver's names (--disable-admission-plugins). Only
   * `ServiceAccount` can be: component tests that run no controllers leave it out, as upstream's
   * integration tests do, since no controller creates the `default` ServiceAccount there.
   */
  disableAdmissionPlugins?: string[];
}

/** A running control plane and how to stop it. */
export interface ControlPlane {
  server: ApiServer;
  stop(): Promise<void>;
}

/** Opens the store, wires the resource catalogue, OpenAPI and patching, and starts serving. */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  await mkdir(options.dataDir, { recursive: true });
  const store = await openStore(options.storeUrl ?? `sqlite://${join(options.dataDir, 'state.db')}`);
  const resources: ResourceDefinition[] = catalogue;
  const now = options.now ?? (() => new Date());
  const addresses = new ServiceAddressAllocator();
  const admission = new AdmissionChain(addresses, { serviceAccount: !options.disableAdmissionPlugins?.includes('ServiceAccount') });
  const server = new ApiServer({
    dataDir: options.dataDir,
    store,
    resources,
    port: options.port,
    host: options.host,
    log: options.log,
    now,
    patchSchema: (definition) => patchSchemaFor(definition.group, definition.version, definition.kind),
    extraPaths: [openApiPaths(resources, buildOpenApiV3)],
    subresources: new Map([
      ['pods/binding', handleBinding],
      ['pods/eviction', handleEviction],
      ['pods/log', podLogHandler(options.podLogs ?? (() => undefined))],
      ['pods/exec', podExecHandler(options.podExec ?? (() => undefined))],
      ['pods/attach', podAttachHandler(options.podAttach ?? (() => undefined))],
      ['pods/portforward', podPortForwardHandler(options.podPortForward ?? (() => undefined))],
      ['serviceaccounts/token', handleServiceAccountToken],
    ]),
    registry: {
      garbageCollector: options.garbageCollector ?? false,
      admit: (registry, definition, object, old) => admission.admit(registry, definition, object, old),
      unknownFields: (definition, object) => unknownFields(definition.group, definition.version, definition.kind, object),
      validateMetadata: (definition, object) => validateObjectMeta(object, definition.namespaced, definition),
      validateMetadataUpdate: (_definition, object, old) => validateObjectMetaUpdate(object, old),
      trackManagedFields: (definition, live, updated, manager, subresource) =>
        updateManagedFields({
          live, updated, manager, operation: 'Update', subresource, apiVersion: apiVersionOf(definition), now: timestamp(now()),
          schema: patchSchemaFor(definition.group, definition.version, definition.kind),
        }),
    },
  });
  try {
    await server.start();
  } catch (error: unknown) {
    await store.close();
    throw error;
  }
  return { server, stop: () => server.stop() };
}
