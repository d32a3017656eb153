import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { applyServerSide, FieldSet, PatchError, updateManagedFields } from './index.js';
import { podSchema } from './test-schema.js';

const T1 = '2024-01-01T00:00:00Z';
const T2 = '2024-01-02T00:00:00Z';

function podConfig(labels: Record<string, string>, image = 'nginx:1.25'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', labels },
    spec: { containers: [{ name: 'nginx', image, ports: [{ containerPort: 80, protocol: 'TCP' }] }] },
  };
}

/** What the store would do on create: stamp server metadata. */
function stored(object: KubeObject, rv: string): KubeObject {
  return { ...object, metadata: { ...object.metadata, uid: 'u1', resourceVersion: rv, creationTimestamp: T1 } };
}

function apply(live: KubeObject | undefined, applied: KubeObject, manager = 'kubectl', force = false, now = T1): KubeObject {
  return applyServerSide({ live, applied, manager, force, schema: podSchema, apiVersion: 'v1', now });
}

test('apply creates the object and records the applied field set', () => {
  const out = apply(undefined, podConfig({ app: 'web' }));
  assert.equal(out.metadata.name, 'web');
  assert.equal(out.metadata.namespace, 'default');
  assert.equal(out.kind, 'Pod');
  assert.deepEqual(out.metadata.managedFields, [
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'v1',
      time: T1,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:containers': {
            'k:{"name":"nginx"}': {
              '.': {},
              'f:image': {},
              'f:name': {},
              'f:ports': {
                'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} },
              },
            },
          },
        },
      },
    },
  ]);
});

test('re-apply with a changed label updates it, keeps resourceVersion, drops the old label', () => {
  const live = stored(apply(undefined, podConfig({ app: 'web', tier: 'fe' })), '5');
  const out = apply(live, podConfig({ app: 'web2' }), 'kubectl', false, T2);
  assert.deepEqual(out.metadata.labels, { app: 'web2' });
  assert.equal(out.metadata.resourceVersion, '5');
  assert.equal(out.metadata.uid, 'u1');
  assert.equal(out.metadata.managedFields?.length, 1);
  assert.equal(out.metadata.managedFields?.[0]?.time, T2);
  assert.deepEqual(out.metadata.managedFields?.[0]?.fieldsV1?.['f:metadata'], { 'f:labels': { 'f:app': {} } });
});

test('dropping a container removes it; fields owned by others stay', () => {
  const two = podConfig({ app: 'web' });
  (two['spec'] as { containers: unknown[] }).containers.push({ name: 'sidecar', image: 'busybox' });
  let live = stored(apply(undefined, two), '1');
  // Someone else labels the pod: the applier never owned that label.
  live = updateManagedFields({
    live,
    updated: { ...live, metadata: { ...live.metadata, labels: { app: 'web', owner: 'ops' } } },
    manager: 'kubectl-label',
    operation: 'Update',
    apiVersion: 'v1',
    now: T1,
  });
  const out = apply(live, podConfig({}), 'kubectl', false, T2);
  const spec = out['spec'] as { containers: Array<{ name: string }> };
  assert.deepEqual(spec.containers.map((c) => c.name), ['nginx']);
  assert.deepEqual(out.metadata.labels, { owner: 'ops' });
});

test('conflict with an Update manager is a 409 with kube wording; force takes ownership', () => {
  const created = stored(apply(undefined, podConfig({ app: 'web' })), '1');
  const labelled = updateManagedFields({
    live: created,
    updated: { ...created, metadata: { ...created.metadata, labels: { app: 'other' } } },
    manager: 'kubectl-label',
    operation: 'Update',
    apiVersion: 'v1',
    now: T2,
  });
  assert.throws(
    () => apply(labelled, podConfig({ app: 'web' })),
    (err: unknown) => {
      assert.ok(err instanceof PatchError);
      assert.equal(err.code, 409);
      assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-label" using v1: .metadata.labels.app');
      assert.deepEqual(err.causes, [
        { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-label" using v1', field: '.metadata.labels.app' },
      ]);
      return true;
    },
  );

  const forced = apply(labelled, podConfig({ app: 'web' }), 'kubectl', true, T2);
  assert.deepEqual(forced.metadata.labels, { app: 'web' });
  assert.deepEqual(forced.metadata.managedFields?.map((m) => m.manager), ['kubectl']);
});

test('several conflicts are listed per manager; equal values are shared, not conflicts', () => {
  const created = stored(apply(undefined, podConfig({ app: 'web', tier: 'fe' })), '1');
  const edited = updateManagedFields({
    live: created,
    updated: {
      ...created,
      metadata: { ...created.metadata, labels: { app: 'x', tier: 'y' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:2', ports: [{ containerPort: 80, protocol: 'TCP' }] }] },
    },
    manager: 'kubectl-edit',
    operation: 'Update',
    apiVersion: 'v1',
    now: T2,
  });
  assert.throws(
    () => apply(edited, podConfig({ app: 'web', tier: 'fe' }, 'nginx:2')),
    (err: unknown) => {
      assert.ok(err instanceof PatchError);
      assert.equal(
        err.message,
        'Apply failed with 2 conflicts: conflicts with "kubectl-edit" using v1:\n- .metadata.labels.app\n- .metadata.labels.tier',
      );
      return true;
    },
  );
  // Without a schema kubectl-edit owns the containers list as a whole; changing an image
  // inside it is still a conflict.
  const field = FieldSet.fromFieldsV1(edited.metadata.managedFields?.find((m) => m.manager === 'kubectl-edit')?.fieldsV1);
  assert.ok(field.has(['f:spec', 'f:containers']));
  assert.throws(
    () => apply(edited, podConfig({ app: 'x', tier: 'y' }, 'nginx:3')),
    (err: unknown) => err instanceof PatchError && err.message.endsWith('using v1: .spec.containers'),
  );
  // The same image as live is shared, not a conflict.
  const shared = apply(edited, podConfig({ app: 'x', tier: 'y' }, 'nginx:2'));
  assert.deepEqual(shared.metadata.managedFields?.map((m) => m.manager), ['kubectl', 'kubectl-edit']);
});

test('updateManagedFields gives a new label to kubectl-label and takes it from the applier', () => {
  const created = stored(apply(undefined, podConfig({ app: 'web' })), '1');
  const out = updateManagedFields({
    live: created,
    updated: { ...created, metadata: { ...created.metadata, labels: { app: 'web', env: 'prod' } } },
    manager: 'kubectl-label',
    operation: 'Update',
    apiVersion: 'v1',
    now: T2,
  });
  const entry = out.metadata.managedFields?.find((m) => m.manager === 'kubectl-label');
  assert.deepEqual(entry, {
    manager: 'kubectl-label',
    operation: 'Update',
    apiVersion: 'v1',
    time: T2,
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:metadata': { 'f:labels': { 'f:env': {} } } },
  });
  // Nothing changed: no new entry, nothing touched.
  const same = updateManagedFields({ live: out, updated: out, manager: 'other', operation: 'Update', apiVersion: 'v1', now: T2 });
  assert.deepEqual(same.metadata.managedFields, out.metadata.managedFields);
  // Status changes through the main resource are not tracked.
  const status = updateManagedFields({ live: out, updated: { ...out, status: { phase: 'Running' } }, manager: 'kubelet', operation: 'Update', apiVersion: 'v1', now: T2 });
  assert.equal(status.metadata.managedFields?.some((m) => m.manager === 'kubelet'), false);
  const viaStatus = updateManagedFields({ live: out, updated: { ...out, status: { phase: 'Running' } }, manager: 'kubelet', operation: 'Update', subresource: 'status', apiVersion: 'v1', now: T2 });
  assert.deepEqual(viaStatus.metadata.managedFields?.find((m) => m.manager === 'kubelet')?.fieldsV1, { 'f:status': { 'f:phase': {} } });
  assert.equal(viaStatus.metadata.managedFields?.find((m) => m.manager === 'kubelet')?.subresource, 'status');
  // Clients may clear managedFields with [].
  const cleared = updateManagedFields({ live: out, updated: { ...out, metadata: { ...out.metadata, managedFields: [] } }, manager: 'x', operation: 'Update', apiVersion: 'v1', now: T2 });
  assert.equal(cleared.metadata.managedFields, undefined);
});

test('create via updateManagedFields owns every field', () => {
  const out = updateManagedFields({ live: undefined, updated: podConfig({ app: 'web' }), manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', now: T1 });
  const set = FieldSet.fromFieldsV1(out.metadata.managedFields?.[0]?.fieldsV1);
  assert.ok(set.has(['f:metadata', 'f:labels', 'f:app']));
  assert.ok(set.has(['f:spec', 'f:containers']), 'without a schema lists are atomic');
  assert.ok(!set.has(['f:metadata', 'f:name']));
});

test('kubectl scale (Update via /scale) conflicts on .spec.replicas; status applies own only status', () => {
  const deploy = (replicas: number): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'default' },
    spec: { replicas },
  });
  const created = stored(applyServerSide({ live: undefined, applied: deploy(1), manager: 'kubectl', force: false, schema: undefined, apiVersion: 'apps/v1', now: T1 }), '1');
  const scaled = updateManagedFields({ live: created, updated: { ...created, spec: { replicas: 3 } }, manager: 'kubectl', operation: 'Update', subresource: 'scale', apiVersion: 'apps/v1', now: T2 });
  assert.throws(
    () => applyServerSide({ live: scaled, applied: deploy(1), manager: 'kubectl', force: false, schema: undefined, apiVersion: 'apps/v1', now: T2 }),
    (err: unknown) =>
      err instanceof PatchError &&
      err.message === 'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas',
  );

  const status = applyServerSide({
    live: scaled,
    applied: { ...deploy(9), status: { readyReplicas: 3 } },
    manager: 'controller',
    force: false,
    schema: undefined,
    apiVersion: 'apps/v1',
    now: T2,
    subresource: 'status',
  });
  assert.deepEqual(status['spec'], { replicas: 3 }, 'spec ignored through /status');
  assert.deepEqual(status['status'], { readyReplicas: 3 });
  const entry = status.metadata.managedFields?.find((m) => m.manager === 'controller');
  assert.equal(entry?.subresource, 'status');
  assert.deepEqual(entry?.fieldsV1, { 'f:status': { 'f:readyReplicas': {} } });
});
