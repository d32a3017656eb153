import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectFields, fieldSetOf, fieldsV1Of, ownableContent } from './field-walk.js';
import { podSchema } from './test-schema.js';
import type { KubeObject } from '../../api/types.js';

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'front' }, annotations: { note: 'x' }, finalizers: ['a/b'] },
  spec: {
    containers: [
      { name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }, { containerPort: 443, protocol: 'TCP', name: 'https' }], env: [{ name: 'MODE', value: 'prod' }], args: ['-g', 'daemon off;'], resources: {} },
      { name: 'sidecar', image: 'busybox', command: ['sleep', '1d'] },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
    nodeSelector: { disk: 'ssd' },
    tolerations: [{ key: 'k', operator: 'Exists' }],
  },
  status: { phase: 'Pending' },
};

test('fieldsV1Of builds what collecting paths and encoding them builds', () => {
  const content = ownableContent(pod);
  const expected = fieldSetOf(collectFields(content, podSchema)).toFieldsV1();
  assert.deepEqual(fieldsV1Of(content, podSchema), expected);
  assert.deepEqual(JSON.stringify(fieldsV1Of(content, podSchema)), JSON.stringify(expected), 'same key order');
  // Without a schema every list is atomic.
  assert.deepEqual(fieldsV1Of(content, undefined), fieldSetOf(collectFields(content, undefined)).toFieldsV1());
  const ports = (fieldsV1Of(content, podSchema)['f:spec'] as Record<string, Record<string, Record<string, unknown>>>)['f:containers']['k:{"name":"nginx"}']['f:ports'] as Record<string, unknown>;
  assert.ok('k:{"containerPort":80,"protocol":"TCP"}' in ports, `port keyed with the protocol default: ${Object.keys(ports).join(' ')}`);
});
