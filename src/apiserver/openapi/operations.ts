import type { ResourceDefinition } from '../../api/types.js';

/** The GVK an operation serves (x-kubernetes-group-version-kind of an operation is one object). */
export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/** What the operations of one resource path need. */
export interface OperationBase {
  resource: ResourceDefinition;
  gvk: Gvk;
  /** Component schema name of the kind (body and response). */
  kindRef: string;
  listRef: string | undefined;
  verbs: Set<string>;
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const ref = (name: string): object => ({ $ref: `#/components/schemas/${name}` });

// Media types we serve; protobuf is not offered.
function content(schemaName: string, watch = false): object {
  const schema = ref(schemaName);
  const types = watch ? ['application/json', 'application/json;stream=watch', 'application/yaml'] : ['application/json', 'application/yaml'];
  return Object.fromEntries(types.map((type) => [type, { schema }]));
}

function query(name: string, type: 'string' | 'boolean' | 'integer', description: string): object {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const DRY_RUN = query('dryRun', 'string', 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed');
const FIELD_MANAGER = query('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes.');
// kubectl looks for this parameter, inline on the PATCH operation, before it leaves validation to the server.
const FIELD_VALIDATION = query('fieldValidation', 'string',
  'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict');
const FORCE = query('force', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.');
const LIST_PARAMETERS = [
  query('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
  query('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
  query('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  query('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  query('limit', 'integer', 'limit is a maximum number of responses to return for a list call.'),
  query('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  query('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  query('sendInitialEvents', 'boolean', 'sendInitialEvents=true may be set together with watch=true.'),
  query('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
  query('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
];
const DELETE_PARAMETERS = [
  DRY_RUN,
  query('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted.'),
  query('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy.'),
  query('propagationPolicy', 'string', "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
];
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

/** name/namespace path parameters and pretty, shared by a path's operations. */
export function pathParameters(namespaced: boolean, named: boolean): object[] {
  const parameters: object[] = [];
  if (named) parameters.push({ name: 'name', in: 'path', description: 'name of the resource', required: true, schema: { type: 'string', uniqueItems: true } });
  if (namespaced) parameters.push({ name: 'namespace', in: 'path', description: 'object name and auth scope, such as for teams and projects', required: true, schema: { type: 'string', uniqueItems: true } });
  parameters.push(query('pretty', 'string', "If 'true', then the output is pretty printed."));
  return parameters;
}

function operationId(verb: string, base: OperationBase, suffix: string): string {
  const group = base.resource.group ? base.resource.group.split('.')[0] : 'core';
  const groupName = group.charAt(0).toUpperCase() + group.slice(1);
  const version = base.resource.version.charAt(0).toUpperCase() + base.resource.version.slice(1);
  const scope = base.resource.namespaced ? 'Namespaced' : '';
  return `${verb}${groupName}${version}${scope}${base.resource.kind}${suffix}`;
}

function tags(base: OperationBase): string[] {
  const group = base.resource.group ? base.resource.group.replace(/\.k8s\.io$/, '').replace(/\./g, '_') : 'core';
  return [`${group}_${base.resource.version}`];
}

function operation(base: OperationBase, action: string, id: string, extra: Record<string, unknown>): object {
  return {
    tags: tags(base),
    description: `${action} ${base.gvk.kind}`,
    operationId: id,
    ...extra,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: base.gvk.group, version: base.gvk.version, kind: base.gvk.kind },
  };
}

const ok = (schemaName: string, description = 'OK'): object => ({ description, content: content(schemaName) });

/** GET (list), POST and DELETE (deletecollection) on the collection path, as the verbs allow. */
export function collectionOperations(base: OperationBase): { get?: object; post?: object; delete?: object } {
  const result: { get?: object; post?: object; delete?: object } = {};
  if (base.verbs.has('list')) {
    const listRef = base.listRef ?? `${META}.Status`;
    result.get = operation(base, 'list', operationId('list', base, ''), {
      parameters: LIST_PARAMETERS,
      responses: { '200': { description: 'OK', content: content(listRef, true) }, '401': { description: 'Unauthorized' } },
    });
  }
  if (base.verbs.has('create')) {
    result.post = operation(base, 'post', operationId('create', base, ''), {
      parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
      requestBody: { content: { '*/*': { schema: ref(base.kindRef) } }, required: true },
      responses: { '200': ok(base.kindRef), '201': ok(base.kindRef, 'Created'), '202': ok(base.kindRef, 'Accepted'), '401': { description: 'Unauthorized' } },
    });
  }
  if (base.verbs.has('deletecollection')) {
    result.delete = operation(base, 'deletecollection', operationId('delete', { ...base, resource: { ...base.resource, kind: `Collection${base.resource.kind}` } }, ''), {
      parameters: [...DELETE_PARAMETERS, ...LIST_PARAMETERS.filter((p) => !JSON.stringify(p).includes('"watch"'))],
      requestBody: { content: { '*/*': { schema: ref(`${META}.DeleteOptions`) } } },
      responses: { '200': ok(`${META}.Status`), '401': { description: 'Unauthorized' } },
    });
  }
  return result;
}

/** GET, PUT, PATCH and DELETE on an item path (or its subresource), as the verbs allow. */
export function itemOperations(base: OperationBase, subresource: string): { get?: object; put?: object; patch?: object; delete?: object } {
  const suffix = subresource ? subresource.charAt(0).toUpperCase() + subresource.slice(1) : '';
  const result: { get?: object; put?: object; patch?: object; delete?: object } = {};
  if (base.verbs.has('get')) {
    result.get = operation(base, 'get', operationId('read', base, suffix), { responses: { '200': ok(base.kindRef), '401': { description: 'Unauthorized' } } });
  }
  if (base.verbs.has('update')) {
    result.put = operation(base, 'put', operationId('replace', base, suffix), {
      parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
      requestBody: { content: { '*/*': { schema: ref(base.kindRef) } }, required: true },
      responses: { '200': ok(base.kindRef), '201': ok(base.kindRef, 'Created'), '401': { description: 'Unauthorized' } },
    });
  }
  if (base.verbs.has('patch')) {
    result.patch = operation(base, 'patch', operationId('patch', base, suffix), {
      parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE],
      requestBody: { content: Object.fromEntries(PATCH_TYPES.map((type) => [type, { schema: ref(`${META}.Patch`) }])), required: true },
      responses: { '200': ok(base.kindRef), '201': ok(base.kindRef, 'Created'), '401': { description: 'Unauthorized' } },
    });
  }
  if (base.verbs.has('delete') && !subresource) {
    result.delete = operation(base, 'delete', operationId('delete', base, suffix), {
      parameters: DELETE_PARAMETERS,
      requestBody: { content: { '*/*': { schema: ref(`${META}.DeleteOptions`) } } },
      responses: { '200': ok(base.kindRef), '202': ok(base.kindRef, 'Accepted'), '401': { description: 'Unauthorized' } },
    });
  }
  return result;
}

/** POST on a subresource (pods/binding, pods/eviction): creates the subresource's kind. */
export function subresourcePost(base: OperationBase, subresource: string): object {
  const suffix = subresource.charAt(0).toUpperCase() + subresource.slice(1);
  return operation(base, 'post', operationId('create', base, suffix), {
    parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
    requestBody: { content: { '*/*': { schema: ref(base.kindRef) } }, required: true },
    responses: { '200': ok(base.kindRef), '201': ok(base.kindRef, 'Created'), '202': ok(base.kindRef, 'Accepted'), '401': { description: 'Unauthorized' } },
  });
}
