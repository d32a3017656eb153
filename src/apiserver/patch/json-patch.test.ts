import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, applyMergePatch, decodePatchBody, PatchError } from './index.js';

const doc = { metadata: { name: 'a', labels: { app: 'x', 'a/b': 'y' } }, spec: { list: [1, 2, 3] } };

function expectPatchError(fn: () => unknown, code: number, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof PatchError, `expected PatchError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });
}

test('json patch: add, replace, remove with escapes and "-"', () => {
  const out = applyJsonPatch(doc, [
    { op: 'add', path: '/metadata/labels/tier', value: 'web' },
    { op: 'replace', path: '/metadata/labels/a~1b', value: 'z' },
    { op: 'remove', path: '/metadata/labels/app' },
    { op: 'add', path: '/spec/list/-', value: 4 },
    { op: 'add', path: '/spec/list/0', value: 0 },
    { op: 'remove', path: '/spec/list/2' },
  ]);
  assert.deepEqual(out, { metadata: { name: 'a', labels: { 'a/b': 'z', tier: 'web' } }, spec: { list: [0, 1, 3, 4] } });
  assert.deepEqual(doc.metadata.labels, { app: 'x', 'a/b': 'y' }, 'input not mutated');
});

test('json patch: move, copy, test', () => {
  const out = applyJsonPatch(doc, [
    { op: 'test', path: '/metadata/name', value: 'a' },
    { op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/copy' },
    { op: 'move', from: '/spec/list', path: '/spec/moved' },
  ]);
  assert.deepEqual(out, {
    metadata: { name: 'a', labels: { app: 'x', 'a/b': 'y', copy: 'x' } },
    spec: { moved: [1, 2, 3] },
  });
});

test('json patch: failures are 422 with kube-like messages', () => {
  expectPatchError(() => applyJsonPatch(doc, [{ op: 'test', path: '/metadata/name', value: 'b' }]), 422, /testing value \/metadata\/name failed/);
  expectPatchError(
    () => applyJsonPatch(doc, [{ op: 'replace', path: '/metadata/labels/x', value: 'v' }]),
    422,
    /replace operation does not apply: doc is missing key: \/metadata\/labels\/x/,
  );
  expectPatchError(() => applyJsonPatch(doc, [{ op: 'add', path: '/spec/foo/bar', value: 1 }]), 422, /doc is missing path: "\/spec\/foo\/bar"/);
  expectPatchError(() => applyJsonPatch(doc, [{ op: 'remove', path: '/nope' }]), 422);
  expectPatchError(() => applyJsonPatch(doc, [{ op: 'add', path: '/spec/list/9', value: 1 }]), 422);
  expectPatchError(() => applyJsonPatch(doc, [{ op: 'bogus', path: '/a' }]), 400);
  expectPatchError(() => applyJsonPatch(doc, { op: 'add' }), 400);
  expectPatchError(() => applyJsonPatch(doc, new Array(10001).fill({ op: 'test', path: '', value: null })), 400);
});

test('merge patch: null deletes, objects merge, arrays replace', () => {
  const out = applyMergePatch(doc, { metadata: { labels: { app: null, new: 'v' } }, spec: { list: [9] } });
  assert.deepEqual(out, { metadata: { name: 'a', labels: { 'a/b': 'y', new: 'v' } }, spec: { list: [9] } });
  assert.deepEqual(applyMergePatch({ a: 1 }, 'x'), 'x');
  assert.deepEqual(doc.metadata.labels.app, 'x');
});

test('decodePatchBody: media types, parameters and errors', () => {
  assert.deepEqual(decodePatchBody('application/json-patch+json; charset=utf-8', '[]'), { type: 'json', patch: [] });
  assert.equal(decodePatchBody('Application/Merge-Patch+JSON', '{}').type, 'merge');
  assert.equal(decodePatchBody('application/strategic-merge-patch+json', '{"a":1}').type, 'strategic');
  assert.deepEqual(decodePatchBody('application/apply-patch+yaml', 'kind: Pod\nmetadata:\n  name: a\n'), {
    type: 'apply',
    patch: { kind: 'Pod', metadata: { name: 'a' } },
  });
  assert.deepEqual(decodePatchBody('application/apply-patch+yaml', '{"kind":"Pod"}').patch, { kind: 'Pod' });
  expectPatchError(() => decodePatchBody('application/json', '{}'), 415, /unknown format - accepted media types include/);
  expectPatchError(() => decodePatchBody('application/apply-patch+cbor', ''), 415);
  expectPatchError(() => decodePatchBody('application/json-patch+json', '{}'), 400, /must be an array/);
  expectPatchError(() => decodePatchBody('application/merge-patch+json', '{'), 400);
  expectPatchError(() => decodePatchBody('application/merge-patch+json', '[1]'), 400);
  expectPatchError(() => decodePatchBody('application/apply-patch+yaml', '- a\n- b\n'), 400);
  expectPatchError(() => decodePatchBody('application/apply-patch+yaml', 'a: [\n'), 400);
});
