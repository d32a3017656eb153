import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../api/storage.js';
import { startTestApi, waitFor, type TestApi } from '../client/testing.js';
import { PersistentVolumeController } from './persistent-volume.js';
import { StorageProtectionController } from './storage-protection.js';

const pvs = { apiVersion: 'v1', plural: 'persistentvolumes' };
const pvcs = { apiVersion: 'v1', plural: 'persistentvolumeclaims' };
const classes = { apiVersion: 'storage.k8s.io/v1', plural: 'storageclasses' };
const pods = { apiVersion: 'v1', plural: 'pods' };
const events = { apiVersion: 'v1', plural: 'events' };

function volume(name: string, size: string, extra: Partial<NonNullable<PersistentVolume['spec']>> = {}): PersistentVolume {
  return { metadata: { name }, spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: `/tmp/${name}` }, ...extra } };
}

function claim(name: string, size: string, storageClassName?: string): PersistentVolumeClaim {
  return { metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, ...(storageClassName !== undefined ? { storageClassName } : {}) } };
}

describe('persistent volume controller', () => {
  let api: TestApi;
  const stop = new AbortController();
  let running: Array<Promise<void>>;
  before(async () => {
    api = await startTestApi();
    const controllers = api.clientAs('system:kube-controller-manager');
    running = [
      new PersistentVolumeController({ client: controllers, resyncMs: 200 }).run(stop.signal),
      new StorageProtectionController({ client: controllers }).run(stop.signal),
    ];
  });
  after(async () => {
    stop.abort();
    await Promise.all(running);
    await api.stop();
  });

  const getClaim = (name: string): Promise<PersistentVolumeClaim> => api.client.get<PersistentVolumeClaim>(pvcs, 'default', name);
  const getVolume = (name: string): Promise<PersistentVolume> => api.client.get<PersistentVolume>(pvs, undefined, name);
  const claimPhase = (name: string, phase: string): Promise<PersistentVolumeClaim> =>
    waitFor(`claim ${name} ${phase}`, async () => {
      const c = await getClaim(name);
      return c.status?.phase === phase ? c : undefined;
    });
  const volumePhase = (name: string, phase: string): Promise<PersistentVolume> =>
    waitFor(`volume ${name} ${phase}`, async () => {
      const v = await getVolume(name);
      return v.status?.phase === phase ? v : undefined;
    });
  const eventsOf = async (name: string, reason: string): Promise<KubeObject[]> =>
    (await api.client.list(events, undefined)).items.filter((e) => (e.involvedObject as { name?: string }).name === name && e.reason === reason);
  const eventMessage = (name: string, reason: string): Promise<string> =>
    waitFor(`a ${reason} event for ${name}`, async () => (await eventsOf(name, reason))[0]?.message as string | undefined);

  it('binds a claim to the smallest matching Available volume, with kube annotations and statuses', async () => {
    await api.client.create(pvs, undefined, volume('big', '5Gi'));
    await api.client.create(pvs, undefined, volume('small', '1Gi'));
    await api.client.create(pvs, undefined, volume('other-class', '1Gi', { storageClassName: 'fast' }));
    await volumePhase('small', 'Available');
    await api.client.create(pvcs, 'default', claim('data', '1Gi', 'manual'));
    const bound = await claimPhase('data', 'Bound');
    assert.equal(bound.spec?.volumeName, 'small');
    assert.deepEqual(bound.status?.capacity, { storage: '1Gi' });
    assert.deepEqual(bound.status?.accessModes, ['ReadWriteOnce']);
    assert.equal(bound.metadata.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
    assert.equal(bound.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    const pv = await volumePhase('small', 'Bound');
    assert.deepEqual({ ...pv.spec?.claimRef, resourceVersion: undefined }, { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: bound.metadata.uid, apiVersion: 'v1', resourceVersion: undefined });
    assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    assert.ok(pv.status?.lastPhaseTransitionTime);
    assert.equal((await getVolume('big')).status?.phase, 'Available');
  });

  it('a claim naming its volume binds to it; a volume pre-bound to a claim waits for that claim', async () => {
    await api.client.create(pvs, undefined, volume('reserved', '1Gi', { claimRef: { namespace: 'default', name: 'wants-reserved' } }));
    await volumePhase('reserved', 'Available');
    await api.client.create(pvcs, 'default', claim('someone-else', '1Gi', 'manual'));
    await api.client.create(pvcs, 'default', claim('wants-reserved', '1Gi', 'manual'));
    const bound = await claimPhase('wants-reserved', 'Bound');
    assert.equal(bound.spec?.volumeName, 'reserved');
    // Pre-bound by the user: the controller did not choose the volume's claim.
    assert.equal((await getVolume('reserved')).metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined);
    // The other claim binds to the only other matching volume, never the reserved one.
    assert.equal((await claimPhase('someone-else', 'Bound')).spec?.volumeName, 'big');

    await api.client.create(pvs, undefined, volume('named', '2Gi'));
    await api.client.create(pvcs, 'default', { ...claim('names-it', '1Gi', 'manual'), spec: { ...claim('names-it', '1Gi', 'manual').spec, volumeName: 'named' } });
    const named = await claimPhase('names-it', 'Bound');
    assert.equal(named.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined, 'the user named the volume');
    assert.equal((await volumePhase('named', 'Bound')).spec?.claimRef?.uid, named.metadata.uid);
  });

  it('a class-less claim with no volume stays Pending with FailedBinding', async () => {
    await api.client.create(pvcs, 'default', claim('nothing', '100Gi', ''));
    assert.equal(await eventMessage('nothing', 'FailedBinding'), 'no persistent volumes available for this claim and no storage class is set');
    assert.equal((await getClaim('nothing')).status?.phase, 'Pending');
  });

  it('WaitForFirstConsumer: waits for a pod, then for its node, then asks the provisioner', async () => {
    await api.client.create(classes, undefined, { metadata: { name: 'later' }, provisioner: 'example.com/disk', volumeBindingMode: 'WaitForFirstConsumer' });
    await api.client.create(pvcs, 'default', claim('lazy', '1Gi', 'later'));
    assert.equal(await eventMessage('lazy', 'WaitForFirstConsumer'), 'waiting for first consumer to be created before binding');
    assert.equal((await getClaim('lazy')).metadata.annotations?.['volume.kubernetes.io/storage-provisioner'], undefined);

    await api.client.create(pods, 'default', { metadata: { name: 'user' }, spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'lazy' } }] } });
    assert.equal(await eventMessage('lazy', 'WaitForPodScheduled'), 'waiting for pod user to be scheduled');

    await api.client.patch(pvcs, 'default', 'lazy', 'merge', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'node-a' } } });
    assert.equal(await eventMessage('lazy', 'ExternalProvisioning'),
      "Waiting for a volume to be created either by the external provisioner 'example.com/disk' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.");
    const annotated = await getClaim('lazy');
    assert.equal(annotated.metadata.annotations?.['volume.kubernetes.io/storage-provisioner'], 'example.com/disk');
    assert.equal(annotated.metadata.annotations?.['volume.beta.kubernetes.io/storage-provisioner'], 'example.com/disk');
    assert.equal(annotated.status?.phase, 'Pending');
  });

  it('a deleted claim releases its volume: Retain keeps it Released, Delete without a provisioner fails', async () => {
    await api.client.create(pvs, undefined, volume('kept', '1Gi', { storageClassName: 'keep' }));
    await api.client.create(pvs, undefined, volume('doomed', '1Gi', { storageClassName: 'doom', persistentVolumeReclaimPolicy: 'Delete' }));
    await api.client.create(pvcs, 'default', claim('keeper', '1Gi', 'keep'));
    await api.client.create(pvcs, 'default', claim('doomer', '1Gi', 'doom'));
    await claimPhase('keeper', 'Bound');
    await claimPhase('doomer', 'Bound');
    await api.client.delete(pvcs, 'default', 'keeper');
    await api.client.delete(pvcs, 'default', 'doomer');
    const kept = await volumePhase('kept', 'Released');
    assert.equal(kept.spec?.claimRef?.name, 'keeper', 'a Released volume keeps its claimRef');
    const failed = await volumePhase('doomed', 'Failed');
    assert.equal(failed.status?.message, 'error getting deleter volume plugin for volume "doomed": no deletable volume plugin matched');
    assert.equal(await eventMessage('doomed', 'VolumeFailedDelete'), failed.status?.message);
  });

  it('a bound claim whose volume is deleted is Lost', async () => {
    await api.client.create(pvs, undefined, volume('fragile', '1Gi', { storageClassName: 'fragile' }));
    await api.client.create(pvcs, 'default', claim('orphan', '1Gi', 'fragile'));
    await claimPhase('orphan', 'Bound');
    await api.client.delete(pvs, undefined, 'fragile');
    // pv-protection keeps a bound volume; an admin removing the finalizer forces it out.
    const held = await getVolume('fragile');
    assert.ok(held.metadata.deletionTimestamp, 'the volume is being deleted');
    assert.deepEqual(held.metadata.finalizers, ['kubernetes.io/pv-protection']);
    await api.client.patch(pvs, undefined, 'fragile', 'merge', { metadata: { finalizers: null } });
    await claimPhase('orphan', 'Lost');
    assert.equal(await eventMessage('orphan', 'ClaimLost'), 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
  });

  it('DefaultStorageClass: a claim without a class gets the default one; "" stays class-less', async () => {
    await api.client.create(classes, undefined, { metadata: { name: 'older-default', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'example.com/a' });
    await new Promise((r) => setTimeout(r, 1100)); // creationTimestamp has second precision: the newer default wins
    await api.client.create(classes, undefined, { metadata: { name: 'newer-default', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'example.com/b' });
    const defaulted = await api.client.create<PersistentVolumeClaim>(pvcs, 'default', claim('defaulted', '1Gi'));
    assert.equal(defaulted.spec?.storageClassName, 'newer-default');
    assert.equal(defaulted.status?.phase, 'Pending');
    const none = await api.client.create<PersistentVolumeClaim>(pvcs, 'default', claim('classless', '1Gi', ''));
    assert.equal(none.spec?.storageClassName, '');
    const sc = await api.client.get(classes, undefined, 'newer-default');
    assert.deepEqual([sc.reclaimPolicy, sc.volumeBindingMode], ['Delete', 'Immediate'], 'StorageClass defaults');
  });
});
