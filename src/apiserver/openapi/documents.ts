import { createHash } from 'node:crypto';
import type { ResourceDefinition } from '../../api/types.js';
import { REF_PREFIX, loadSchemas, schemaNameFor, type Schema } from './schemas.js';
import { collectionOperations, itemOperations, pathParameters, subresourcePost, type Gvk } from './operations.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
// Referenced by every document's operations (responses, bodies) besides the kinds' own schemas.
const COMMON = [`${META}.Status`, `${META}.DeleteOptions`, `${META}.Patch`, `${META}.WatchEvent`, `${META}.APIResourceList`];

/** The /openapi/v3 root and one OpenAPI 3.0 document per served group-version ("api/v1", "apis/apps/v1"). */
export interface OpenApiV3 {
  root: { paths: Record<string, { serverRelativeURL: string }> };
  documents: Map<string, object>;
}

/**
 * Builds kube-apiserver-shaped OpenAPI v3 documents for the served resources: per kind the
 * collection and item operations (and /status, /scale) tagged with x-kubernetes-action and
 * x-kubernetes-group-version-kind, PATCH with fieldValidation and the four patch content types,
 * and the closure of component schemas. The root addresses each document by a content hash.
 */
export function buildOpenApiV3(resources: ResourceDefinition[]): OpenApiV3 {
  const byGroupVersion = new Map<string, ResourceDefinition[]>();
  for (const resource of resources) {
    const key = resource.group ? `apis/${resource.group}/${resource.version}` : `api/${resource.version}`;
    byGroupVersion.set(key, [...(byGroupVersion.get(key) ?? []), resource]);
  }
  const documents = new Map<string, object>();
  const root: OpenApiV3['root'] = { paths: {} };
  for (const key of [...byGroupVersion.keys()].sort()) {
    const document = groupVersionDocument(key, byGroupVersion.get(key) ?? []);
    documents.set(key, document);
    const hash = createHash('sha512').update(JSON.stringify(document)).digest('hex').toUpperCase();
    root.paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  return { root, documents };
}

function groupVersionDocument(key: string, resources: ResourceDefinition[]): object {
  const { schemas } = loadSchemas();
  const paths: Record<string, object> = {};
  const wanted = new Set<string>(COMMON);
  const prefix = `/${key}`;
  for (const resource of [...resources].sort((a, b) => a.plural.localeCompare(b.plural))) {
    const kindSchema = schemaNameFor(resource.group, resource.version, resource.kind);
    const listSchema = schemaNameFor(resource.group, resource.version, `${resource.kind}List`);
    // A kind client-node does not know still gets paths, with a free-form body.
    const kindRef = kindSchema ?? `${META}.Status`;
    if (kindSchema) wanted.add(kindSchema);
    if (listSchema) wanted.add(listSchema);
    const gvk: Gvk = { group: resource.group, version: resource.version, kind: resource.kind };
    const collection = resource.namespaced ? `${prefix}/namespaces/{namespace}/${resource.plural}` : `${prefix}/${resource.plural}`;
    const item = `${collection}/{name}`;
    const verbs = new Set(resource.verbs ?? ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    const base = { resource, gvk, kindRef, listRef: listSchema, verbs };
    paths[collection] = { ...collectionOperations(base), parameters: pathParameters(resource.namespaced, false) };
    if (resource.namespaced && verbs.has('list')) {
      // List across namespaces: GET only, as upstream.
      const all = collectionOperations(base);
      paths[`${prefix}/${resource.plural}`] = { get: all.get, parameters: pathParameters(false, false) };
    }
    paths[item] = { ...itemOperations(base, ''), parameters: pathParameters(resource.namespaced, true) };
    if (resource.hasStatus) {
      paths[`${item}/status`] = { ...itemOperations({ ...base, verbs: new Set(['get', 'update', 'patch']) }, 'status'), parameters: pathParameters(resource.namespaced, true) };
    }
    if (resource.scale) {
      const scaleGvk: Gvk = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
      const scaleRef = 'io.k8s.api.autoscaling.v1.Scale';
      wanted.add(scaleRef);
      paths[`${item}/scale`] = {
        ...itemOperations({ ...base, gvk: scaleGvk, kindRef: scaleRef, verbs: new Set(['get', 'update', 'patch']) }, 'scale'),
        parameters: pathParameters(resource.namespaced, true),
      };
    }
    for (const extra of resource.extraSubresources ?? []) {
      // binding, eviction, log, exec…: documented with their own kind when client-node knows it.
      const extraGvk: Gvk = { group: extra.group ?? resource.group, version: extra.version ?? resource.version, kind: extra.kind };
      const extraRef = schemaNameFor(extraGvk.group, extraGvk.version, extraGvk.kind);
      if (extraRef) wanted.add(extraRef);
      const extraBase = { ...base, gvk: extraGvk, kindRef: extraRef ?? `${META}.Status`, verbs: new Set(extra.verbs) };
      paths[`${item}/${extra.name}`] = {
        ...itemOperations(extraBase, extra.name),
        ...(extra.verbs.includes('create') ? { post: subresourcePost(extraBase, extra.name) } : {}),
        parameters: pathParameters(resource.namespaced, true),
      };
    }
  }
  const components: Record<string, Schema> = {};
  const pending = [...wanted];
  while (pending.length) {
    const name = pending.pop();
    if (name === undefined || components[name] || !schemas[name]) continue;
    components[name] = schemas[name];
    collectRefs(schemas[name], pending);
  }
  const sortedComponents = Object.fromEntries(Object.keys(components).sort().map((name) => [name, components[name]]));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas: sortedComponents, securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } } },
    security: [{ BearerToken: [] }],
  };
}

function collectRefs(schema: Schema, out: string[]): void {
  if (schema.$ref) out.push(schema.$ref.slice(REF_PREFIX.length));
  for (const part of schema.allOf ?? []) collectRefs(part, out);
  if (schema.items) collectRefs(schema.items, out);
  if (schema.additionalProperties) collectRefs(schema.additionalProperties, out);
  for (const property of Object.values(schema.properties ?? {})) collectRefs(property, out);
}
