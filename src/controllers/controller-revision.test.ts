import { test } from 'node:test';
import assert from 'node:assert/strict';
import { equalData, hashRevision, newRevision, nextRevisionNumber, revisionName, revisionTemplate, sortRevisions, templatePatch, type ControllerRevision } from './controller-revision.js';

const parent = { metadata: { name: 'web', namespace: 'default', uid: 'u1' } };
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'db:1' }] } };

test('revisions record the template as a replacing patch, named by hash, labelled and owned', () => {
  const data = templatePatch(template);
  assert.deepEqual(data, { spec: { template: { ...template, $patch: 'replace' } } });
  assert.deepEqual(revisionTemplate({ metadata: {}, data, revision: 1 }), template);
  const revision = newRevision(parent, 'StatefulSet', template.metadata.labels, data, 1);
  const hash = hashRevision(data);
  assert.equal(revision.metadata.name, `web-${hash}`);
  assert.equal(revision.metadata.labels?.['controller.kubernetes.io/hash'], hash);
  assert.equal(revision.metadata.labels?.app, 'web');
  assert.deepEqual(revision.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true }]);
  // A collision count changes the name; equal content compares equal regardless of key order.
  assert.notEqual(hashRevision(data, 1), hash);
  const reverseKeys = (value: unknown): unknown => Array.isArray(value) ? value.map(reverseKeys)
    : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)])) : value;
  const reordered = reverseKeys(data);
  assert.notEqual(JSON.stringify(reordered), JSON.stringify(data), 'the copy really has another key order');
  assert.ok(equalData(data, reordered as typeof data));
  assert.ok(!equalData(data, templatePatch({ ...template, spec: { containers: [{ name: 'c', image: 'db:2' }] } })));
  assert.equal(revisionName('x'.repeat(300), 'abc').length, 227);
});

test('revision numbers and ordering', () => {
  const r = (name: string, revision: number): ControllerRevision => ({ metadata: { name }, revision });
  assert.equal(nextRevisionNumber([]), 1);
  assert.equal(nextRevisionNumber([r('a', 3), r('b', 1)]), 4);
  assert.deepEqual(sortRevisions([r('b', 2), r('a', 1), r('c', 2)]).map((x) => x.metadata.name), ['a', 'b', 'c']);
});
