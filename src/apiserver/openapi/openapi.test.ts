import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceDefinition } from '../../api/types.js';
import { buildOpenApiV3, fieldPathExists, patchSchemaFor, unknownFields } from './index.js';

const define = (group: string, version: string, kind: string, plural: string, namespaced: boolean, extra: Partial<ResourceDefinition> = {}): ResourceDefinition => ({
  group, version, kind, plural, singular: kind.toLowerCase(), namespaced, strategy: {}, ...extra,
});

const resources: ResourceDefinition[] = [
  define('', 'v1', 'Pod', 'pods', true, {
    hasStatus: true,
    extraSubresources: [{ name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] }, { name: 'binding', kind: 'Binding', verbs: ['create'] }],
  }),
  define('', 'v1', 'Namespace', 'namespaces', false, { hasStatus: true }),
  define('', 'v1', 'ConfigMap', 'configmaps', true),
  define('apps', 'v1', 'Deployment', 'deployments', true, { hasStatus: true, scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas' } }),
];

type Json = Record<string, unknown>;
const at = (value: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Json)[k] : undefined), value);

test('the root lists api/v1 and apis/apps/v1 by content hash', () => {
  const { root, documents } = buildOpenApiV3(resources);
  assert.deepEqual(Object.keys(root.paths).sort(), ['api/v1', 'apis/apps/v1']);
  assert.match(root.paths['api/v1'].serverRelativeURL, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
  assert.ok(documents.get('apis/apps/v1'));
  // Same input, same hash: clients cache documents by it.
  assert.equal(buildOpenApiV3(resources).root.paths['api/v1'].serverRelativeURL, root.paths['api/v1'].serverRelativeURL);
});

test('the Pod schema carries merge keys, list types, GVK and descriptions', () => {
  const document = buildOpenApiV3(resources).documents.get('api/v1');
  const schemas = at(document, 'components', 'schemas');
  const pod = at(schemas, 'io.k8s.api.core.v1.Pod');
  assert.deepEqual(at(pod, 'x-kubernetes-group-version-kind'), [{ group: '', kind: 'Pod', version: 'v1' }]);
  const containers = at(schemas, 'io.k8s.api.core.v1.PodSpec', 'properties', 'containers');
  assert.equal(at(containers, 'x-kubernetes-patch-merge-key'), 'name');
  assert.equal(at(containers, 'x-kubernetes-patch-strategy'), 'merge');
  const ports = at(schemas, 'io.k8s.api.core.v1.Container', 'properties', 'ports');
  assert.deepEqual(at(ports, 'x-kubernetes-list-map-keys'), ['containerPort', 'protocol']);
  assert.match(String(at(ports, 'description')), /List of ports/);
  assert.deepEqual(at(schemas, 'io.k8s.api.core.v1.Container', 'required'), ['name']);
  assert.ok(at(schemas, 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'));
  assert.equal(at(schemas, 'io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'format'), 'int-or-string');
  // Closure only: apps kinds stay out of the core document.
  assert.equal(at(schemas, 'io.k8s.api.apps.v1.Deployment'), undefined);
});

test('PATCH operations carry the GVK, fieldValidation and the patch content types', () => {
  const documents = buildOpenApiV3(resources).documents;
  const patch = at(documents.get('api/v1'), 'paths', '/api/v1/namespaces/{namespace}/pods/{name}', 'patch');
  assert.deepEqual(at(patch, 'x-kubernetes-group-version-kind'), { group: '', version: 'v1', kind: 'Pod' });
  assert.equal(at(patch, 'x-kubernetes-action'), 'patch');
  const parameters = at(patch, 'parameters');
  assert.ok(Array.isArray(parameters) && parameters.some((p: unknown) => at(p, 'name') === 'fieldValidation' && at(p, 'in') === 'query'));
  assert.deepEqual(Object.keys(at(patch, 'requestBody', 'content') as Json).sort(), [
    'application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json',
  ]);
  const scale = at(documents.get('apis/apps/v1'), 'paths', '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale', 'patch');
  assert.deepEqual(at(scale, 'x-kubernetes-group-version-kind'), { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  assert.ok(at(documents.get('api/v1'), 'paths', '/api/v1/pods', 'get'));
  const eviction = at(documents.get('api/v1'), 'paths', '/api/v1/namespaces/{namespace}/pods/{name}/eviction', 'post');
  assert.deepEqual(at(eviction, 'x-kubernetes-group-version-kind'), { group: 'policy', version: 'v1', kind: 'Eviction' });
  assert.ok(at(documents.get('api/v1'), 'components', 'schemas', 'io.k8s.api.policy.v1.Eviction'));
  assert.ok(at(documents.get('api/v1'), 'paths', '/api/v1/namespaces/{name}', 'delete'));
});

test('patchSchemaFor navigates merge keys, list-map keys and maps', () => {
  const pod = patchSchemaFor('', 'v1', 'Pod');
  assert.ok(pod);
  assert.equal(pod.shape, 'object');
  const containers = pod.field('spec')?.field('containers');
  assert.equal(containers?.patchMergeKey, 'name');
  assert.equal(containers?.patchStrategy, 'merge');
  assert.equal(containers?.shape, 'list');
  const ports = containers?.elements()?.field('ports');
  assert.deepEqual(ports?.listMapKeys, ['containerPort', 'protocol']);
  assert.equal(ports?.patchMergeKey, 'containerPort');
  assert.equal(pod.field('metadata')?.field('finalizers')?.listType, 'set');
  const labels = pod.field('metadata')?.field('labels');
  assert.equal(labels?.shape, 'map');
  assert.equal(labels?.elements()?.shape, 'primitive');
  assert.equal(pod.field('spec')?.field('tolerations')?.listType, 'atomic');
  assert.equal(pod.field('spec')?.field('volumes')?.patchStrategy, 'merge,retainKeys');
  assert.equal(patchSchemaFor('apps', 'v1', 'Deployment')?.field('spec')?.field('selector')?.mapType, 'atomic');
  assert.equal(patchSchemaFor('apps', 'v1', 'Deployment')?.field('status')?.field('conditions')?.patchMergeKey, 'type');
  assert.equal(patchSchemaFor('example.com', 'v1', 'Widget'), undefined);
});

const nginx = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'nginx', labels: { app: 'nginx' }, annotations: { 'a.b/c': 'd' }, managedFields: [{ manager: 'x', fieldsV1: { 'f:spec': {} } }] },
  spec: {
    containers: [{
      name: 'nginx', image: 'nginx:1.27',
      ports: [{ containerPort: 80, protocol: 'TCP' }],
      resources: { limits: { cpu: '500m', memory: 128974848 } },
      livenessProbe: { httpGet: { path: '/', port: 'http' } },
      env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
    }],
    nodeSelector: { 'kubernetes.io/os': 'linux' },
  },
  status: { phase: 'Pending' },
};

test('unknownFields accepts a valid pod and reports unknown ones as upstream spells them', () => {
  assert.deepEqual(unknownFields('', 'v1', 'Pod', nginx), []);
  const bad = structuredClone(nginx) as Json;
  const spec = bad.spec as { containers: Json[]; foo?: number };
  spec.containers[0].imagex = 'nginx';
  spec.foo = 1;
  (bad.metadata as Json).bogus = true;
  assert.deepEqual(unknownFields('', 'v1', 'Pod', bad), ['metadata.bogus', 'spec.containers[0].imagex', 'spec.foo']);
  assert.deepEqual(unknownFields('', 'v1', 'ConfigMap', { metadata: { name: 'c' }, data: { anything: 'x' }, binaryData: {} }), []);
  assert.deepEqual(unknownFields('apps', 'v1', 'Deployment', { spec: { template: { spec: { containers: [{ name: 'a', imagePullPolicyy: 'x' }] } }, strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } } } }),
    ['spec.template.spec.containers[0].imagePullPolicyy']);
  assert.deepEqual(unknownFields('example.com', 'v1', 'Widget', { spec: { x: 1 } }), []);
});

test('fieldPathExists follows lists and objects', () => {
  assert.equal(fieldPathExists('', 'v1', 'Pod', 'spec.containers.ports.containerPort'), true);
  assert.equal(fieldPathExists('', 'v1', 'Pod', 'spec.containers.imagex'), false);
});
