// Generates src/apiserver/openapi/generated/schemas.json: OpenAPI v3 component schemas named
// as upstream (io.k8s.api.core.v1.Pod, …) derived from @kubernetes/client-node's model classes
// (attributeTypeMap for structure, the .d.ts for descriptions and optional markers) plus
// src/apiserver/openapi/facts.json (patch strategies, list/map types, quantities), which the
// models lack. Run at build time so the server never imports client-node (slow, and it needs
// Node 22) when it starts. Skips the work when the output is newer than its inputs.
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const clientDir = join(root, 'node_modules/@kubernetes/client-node');
const modelsDir = join(clientDir, 'dist/gen/models');
const apisDir = join(clientDir, 'dist/gen/apis');
const factsPath = join(root, 'src/apiserver/openapi/facts.json');
const outPath = join(root, 'src/apiserver/openapi/generated/schemas.json');
const selfPath = fileURLToPath(import.meta.url);

const force = process.argv.includes('--force');
if (!force && existsSync(outPath)) {
  const built = statSync(outPath).mtimeMs;
  const inputs = [factsPath, selfPath, join(clientDir, 'package.json')];
  if (inputs.every((path) => statSync(path).mtimeMs <= built)) process.exit(0);
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
// Class-name prefix or API-class prefix → [schema package, API group].
const PACKAGES = {
  Admissionregistration: ['io.k8s.api.admissionregistration', 'admissionregistration.k8s.io'],
  Apiextensions: ['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions', 'apiextensions.k8s.io'],
  Apiregistration: ['io.k8s.kube-aggregator.pkg.apis.apiregistration', 'apiregistration.k8s.io'],
  Apps: ['io.k8s.api.apps', 'apps'],
  Authentication: ['io.k8s.api.authentication', 'authentication.k8s.io'],
  Authorization: ['io.k8s.api.authorization', 'authorization.k8s.io'],
  Autoscaling: ['io.k8s.api.autoscaling', 'autoscaling'],
  Batch: ['io.k8s.api.batch', 'batch'],
  Certificates: ['io.k8s.api.certificates', 'certificates.k8s.io'],
  Coordination: ['io.k8s.api.coordination', 'coordination.k8s.io'],
  Core: ['io.k8s.api.core', ''],
  Discovery: ['io.k8s.api.discovery', 'discovery.k8s.io'],
  Events: ['io.k8s.api.events', 'events.k8s.io'],
  FlowcontrolApiserver: ['io.k8s.api.flowcontrol', 'flowcontrol.apiserver.k8s.io'],
  Flowcontrol: ['io.k8s.api.flowcontrol', 'flowcontrol.apiserver.k8s.io'],
  InternalApiserver: ['io.k8s.api.apiserverinternal', 'internal.apiserver.k8s.io'],
  Networking: ['io.k8s.api.networking', 'networking.k8s.io'],
  Node: ['io.k8s.api.node', 'node.k8s.io'],
  Policy: ['io.k8s.api.policy', 'policy'],
  RbacAuthorization: ['io.k8s.api.rbac', 'rbac.authorization.k8s.io'],
  Rbac: ['io.k8s.api.rbac', 'rbac.authorization.k8s.io'],
  Resource: ['io.k8s.api.resource', 'resource.k8s.io'],
  Scheduling: ['io.k8s.api.scheduling', 'scheduling.k8s.io'],
  Storage: ['io.k8s.api.storage', 'storage.k8s.io'],
  Storagemigration: ['io.k8s.api.storagemigration', 'storagemigration.k8s.io'],
};
// Unprefixed v1 classes that live in apimachinery's meta/v1 package.
const META_TYPES = new Set(['APIGroup', 'APIGroupList', 'APIResource', 'APIResourceList', 'APIVersions', 'Condition',
  'DeleteOptions', 'FieldSelectorRequirement', 'GroupVersionForDiscovery', 'LabelSelector', 'LabelSelectorRequirement',
  'ListMeta', 'ManagedFieldsEntry', 'ObjectMeta', 'OwnerReference', 'Preconditions', 'ServerAddressByClientCIDR',
  'Status', 'StatusCause', 'StatusDetails', 'WatchEvent']);
// meta/v1 kinds without metadata (ObjectReference and OwnerReference also have apiVersion and kind but are no kinds).
const META_KINDS = new Set(['APIGroup', 'APIGroupList', 'APIResourceList', 'APIVersions', 'DeleteOptions', 'WatchEvent']);
// Kinds without a List that several API classes mention (subresources): their real package.
const OWNERS = { V1Scale: 'Autoscaling', V1Eviction: 'Policy', V1Binding: 'Core', V1TokenReview: 'Authentication',
  V1SelfSubjectReview: 'Authentication', V1SubjectAccessReview: 'Authorization', V1SelfSubjectAccessReview: 'Authorization',
  V1LocalSubjectAccessReview: 'Authorization', V1SelfSubjectRulesReview: 'Authorization',
  // Core types first reached from another group's kinds.
  V1TopologySelectorTerm: 'Core', V1TopologySelectorLabelRequirement: 'Core' };

const models = await import(join(modelsDir, 'all.js'));
const classes = new Map();
for (const [name, value] of Object.entries(models)) {
  if (typeof value === 'function' && Array.isArray(value.attributeTypeMap)) classes.set(name, value);
}
const parseName = (cls) => /^([A-Z][a-z]+)?V(\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/.exec(cls);

// Which package each class belongs to: meta list, prefixes, then roots found through the API classes.
const pkgOf = new Map(); // class → prefix key of PACKAGES or 'meta'
for (const cls of classes.keys()) {
  const m = parseName(cls);
  if (!m) continue;
  if (m[1]) pkgOf.set(cls, m[1]);
  else if (m[2] === '1' && META_TYPES.has(m[3])) pkgOf.set(cls, 'meta');
  else if (OWNERS[cls]) pkgOf.set(cls, OWNERS[cls]);
}
const refsOf = (cls) => classes.get(cls).attributeTypeMap.flatMap((a) => [...a.type.matchAll(/\b[A-Z]\w*V\d\w*|\bV\d\w*/g)].map((x) => x[0])).filter((t) => classes.has(t));
const apiMentions = new Map(); // API prefix → classes mentioned
for (const file of readdirSync(apisDir).filter((f) => /V\d\w*Api\.d\.ts$/.test(f))) {
  const prefix = file.replace(/V\d\w*Api\.d\.ts$/, '');
  const text = readFileSync(join(apisDir, file), 'utf8');
  const mentioned = new Set([...text.matchAll(/\b(?:[A-Z][a-z]+)?V\d\w*\b/g)].map((x) => x[0]).filter((t) => classes.has(t)));
  apiMentions.set(prefix, [...(apiMentions.get(prefix) ?? []), ...mentioned]);
  for (const cls of mentioned) {
    if (pkgOf.has(cls)) continue;
    if (cls.endsWith('List') && classes.has(cls.slice(0, -4))) {
      pkgOf.set(cls, prefix);
      if (!pkgOf.has(cls.slice(0, -4))) pkgOf.set(cls.slice(0, -4), prefix);
    }
  }
}
// Kinds mentioned by exactly one API class (create-only kinds like TokenReview).
const mentionCount = new Map();
for (const [prefix, list] of apiMentions) for (const cls of new Set(list)) mentionCount.set(cls, [...(mentionCount.get(cls) ?? []), prefix]);
for (const [cls, prefixes] of mentionCount) if (!pkgOf.has(cls) && prefixes.length === 1) pkgOf.set(cls, prefixes[0]);
// The rest inherit the package of the nearest typed root, core first: shared types (PodTemplateSpec,
// ObjectReference) belong to core, which every other group refers to.
const order = ['meta', 'Core', ...Object.keys(PACKAGES).filter((p) => p !== 'Core')];
for (const pkg of order) {
  let frontier = [...pkgOf].filter(([, p]) => p === pkg).map(([c]) => c);
  while (frontier.length) {
    const next = [];
    for (const cls of frontier) for (const ref of refsOf(cls)) if (!pkgOf.has(ref)) { pkgOf.set(ref, pkg); next.push(ref); }
    frontier = next;
  }
}

const schemaName = (cls) => {
  if (cls === 'VersionInfo') return 'io.k8s.apimachinery.pkg.version.Info';
  const m = parseName(cls);
  const pkg = pkgOf.get(cls);
  if (!m || !pkg) return undefined;
  if (pkg === 'meta') return `${META}.${m[3]}`;
  return `${PACKAGES[pkg][0]}.v${m[2]}.${m[3]}`;
};

// Descriptions and optional markers from the .d.ts.
const unescape = (s) => s.replace(/\\(['"\\])/g, '$1').trim();
function readDocs(cls) {
  const file = join(modelsDir, `${cls}.d.ts`);
  const result = { description: undefined, fields: new Map() };
  if (!existsSync(file)) return result;
  const text = readFileSync(file, 'utf8');
  const classDoc = /\/\*\*\n\* ([^\n]*)\n\*\/\nexport declare class/.exec(text);
  if (classDoc) result.description = unescape(classDoc[1]);
  for (const m of text.matchAll(/(?:\/\*\*\n\s*\* ([^\n]*)\n\s*\*\/\n)?\s*'([^']+)'(\?)?:/g)) {
    result.fields.set(m[2], { description: m[1] ? unescape(m[1]) : undefined, optional: m[3] === '?' });
  }
  return result;
}

const METADATA_DESCRIPTIONS = {
  V1ObjectMeta: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
  V1ListMeta: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
};
const facts = JSON.parse(readFileSync(factsPath, 'utf8'));
const ref = (name) => ({ $ref: `#/components/schemas/${name}` });
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
function typeSchema(type, format, attr, quantity) {
  if (quantity && (type === 'string' || type === 'number')) return ref(QUANTITY);
  switch (type) {
    case 'string': return format === 'byte' ? { type: 'string', format: 'byte' } : { type: 'string' };
    case 'number': return format === 'int32' || format === 'int64' ? { type: 'integer', format } : { type: 'number', format: format || 'double' };
    case 'boolean': return { type: 'boolean' };
    case 'Date': return ref(format === 'date-time-micro' ? `${META}.MicroTime` : `${META}.Time`);
    case 'IntOrString': return ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    case 'any':
      if (attr === 'fieldsV1') return ref(`${META}.FieldsV1`);
      if (attr === 'data' || attr === 'object' || attr === 'raw') return ref('io.k8s.apimachinery.pkg.runtime.RawExtension');
      return { 'x-kubernetes-preserve-unknown-fields': true };
  }
  let m = /^Array<(.+)>$/.exec(type);
  if (m) return { type: 'array', items: typeSchema(m[1], '', attr, quantity) };
  m = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (m) return { type: 'object', additionalProperties: typeSchema(m[1], '', attr, quantity) };
  if (type === 'V1MicroTime' || type === 'V1Time') return ref(`${META}.${type.slice(2)}`);
  const name = schemaName(type);
  if (!name) throw new Error(`Cannot map type ${type} of field ${attr}`);
  return ref(name);
}

// Scalar unions as upstream's v3 documents spell them (OpenAPIV3OneOfTypes).
const schemas = {
  [`${META}.Time`]: { description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.', type: 'string', format: 'date-time' },
  [`${META}.MicroTime`]: { description: 'MicroTime is version of Time with microsecond level precision.', type: 'string', format: 'date-time' },
  [`${META}.FieldsV1`]: { description: "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.", type: 'object' },
  [`${META}.Patch`]: { description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.', type: 'object' },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': { description: 'RawExtension is used to hold extensions in external versions.', type: 'object' },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { description: 'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.', format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
  [QUANTITY]: { description: "Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.\n\nThe serialization format is:\n\n``` <quantity>        ::= <signedNumber><suffix>\n```\n\nExamples: 100m, 0.5, 1, 2Gi, 512Mi.", oneOf: [{ type: 'string' }, { type: 'number' }], 'x-kubernetes-int-or-string': true },
};
const unmapped = [];
for (const [cls, ctor] of classes) {
  const name = schemaName(cls);
  if (!name) { unmapped.push(cls); continue; }
  const docs = readDocs(cls);
  const typeFacts = facts[name] ?? {};
  const properties = {};
  const required = [];
  for (const attr of ctor.attributeTypeMap) {
    const fact = typeFacts[attr.baseName] ?? {};
    const doc = { ...docs.fields.get(attr.name) };
    // The .d.ts omits descriptions of fields typed by another model; metadata's are uniform upstream.
    doc.description ??= attr.baseName === 'metadata' ? METADATA_DESCRIPTIONS[attr.type] : undefined;
    let schema = typeSchema(attr.type, attr.format, attr.baseName, fact.quantity === true);
    if (doc.description) schema = schema.$ref ? { allOf: [schema], description: doc.description } : { description: doc.description, ...schema };
    if (fact.mergeKey) schema['x-kubernetes-patch-merge-key'] = fact.mergeKey;
    if (fact.strategy) schema['x-kubernetes-patch-strategy'] = fact.strategy;
    if (fact.listType) schema['x-kubernetes-list-type'] = fact.listType;
    if (fact.listMapKeys) schema['x-kubernetes-list-map-keys'] = fact.listMapKeys;
    if (fact.mapType) schema['x-kubernetes-map-type'] = fact.mapType;
    properties[attr.baseName] = schema;
    if (doc.optional === false) required.push(attr.baseName);
  }
  const schema = { description: docs.description, type: 'object', properties };
  if (!docs.description) delete schema.description;
  if (required.length) schema.required = required;
  if (typeFacts.$type?.mapType) schema['x-kubernetes-map-type'] = typeFacts.$type.mapType;
  const m = parseName(cls);
  const pkg = pkgOf.get(cls);
  const fields = new Set(ctor.attributeTypeMap.map((a) => a.baseName));
  // A kind carries apiVersion and kind; its group-version is its package's.
  if (m && fields.has('apiVersion') && fields.has('kind') && (fields.has('metadata') || META_KINDS.has(m[3]))) {
    const group = pkg === 'meta' ? '' : PACKAGES[pkg][1];
    const version = pkg === 'meta' ? 'v1' : `v${m[2]}`;
    schema['x-kubernetes-group-version-kind'] = [{ group, kind: m[3], version }];
  }
  schemas[name] = schema;
}
if (unmapped.length) console.warn(`gen-openapi: no package for ${unmapped.join(', ')}`);

const clientVersion = JSON.parse(readFileSync(join(clientDir, 'package.json'), 'utf8')).version;
mkdirSync(dirname(outPath), { recursive: true });
const sorted = Object.fromEntries(Object.keys(schemas).sort().map((k) => [k, schemas[k]]));
writeFileSync(outPath, JSON.stringify({ source: `@kubernetes/client-node ${clientVersion}`, schemas: sorted }) + '\n');
console.log(`gen-openapi: ${Object.keys(sorted).length} schemas → ${outPath}`);
