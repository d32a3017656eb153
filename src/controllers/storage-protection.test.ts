import { setMaxListeners } from 'node:events';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim } from '../api/storage.js';
import { startTestApi, waitFor, type TestApi } from '../client/testing.js';
import { PersistentVolumeController } from './persistent-volume.js';
import { StorageProtectionController } from './storage-protection.js';

const pvs = { apiVersion: 'v1', plural: 'persistentvolumes' };
const pvcs = { apiVersion: 'v1', plural: 'persistentvolumeclaims' };
const pods = { apiVersion: 'v1', plural: 'pods' };

describe('pvc-protection and pv-protection', () => {
  let api: TestApi;
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  let running: Array<Promise<void>>;
  before(async () => {
    api = await startTestApi();
    const controllers = api.clientAs('system:kube-controller-manager');
    running = [new PersistentVolumeController({ client: controllers, resyncMs: 200 }).run(stop.signal), new StorageProtectionController({ client: controllers }).run(stop.signal)];
  });
  after(async () => {
    stop.abort();
    await Promise.all(running);
    await api.stop();
  });

  const gone = (ref: typeof pvs, namespace: string | undefined, name: string): Promise<true> =>
    waitFor(`${name} gone`, async () => (await api.client.get(ref, namespace, name).then(() => false, () => true)) || undefined);

  it('new claims and volumes carry the protection finalizers', async () => {
    const volume = await api.client.create<PersistentVolume>(pvs, undefined, { metadata: { name: 'v1' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/v1' }, storageClassName: 'manual' } });
    assert.deepEqual(volume.metadata.finalizers, ['kubernetes.io/pv-protection']);
    const claim = await api.client.create<PersistentVolumeClaim>(pvcs, 'default', { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'manual' } });
    assert.deepEqual(claim.metadata.finalizers, ['kubernetes.io/pvc-protection']);
    await waitFor('bound', async () => (await api.client.get<PersistentVolumeClaim>(pvcs, 'default', 'data')).status?.phase === 'Bound' || undefined);
  });

  it('a claim in use by a scheduled pod stays Terminating until the pod is gone; a bound volume until it is released', async () => {
    await api.client.create(pods, 'default', { metadata: { name: 'user' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] } });
    await api.client.delete(pvcs, 'default', 'data');
    await api.client.delete(pvs, undefined, 'v1');
    await new Promise((r) => setTimeout(r, 300));
    const held = await api.client.get<PersistentVolumeClaim>(pvcs, 'default', 'data');
    assert.ok(held.metadata.deletionTimestamp);
    assert.deepEqual(held.metadata.finalizers, ['kubernetes.io/pvc-protection']);
    assert.ok((await api.client.get(pvs, undefined, 'v1')).metadata.deletionTimestamp, 'the bound volume is held too');
    await api.client.delete(pods, 'default', 'user', { gracePeriodSeconds: 0 });
    await gone(pvcs, 'default', 'data');
    // Its claim gone, the volume is Released and no longer protected.
    await gone(pvs, undefined, 'v1');
  });

  it('a finished pod holds its claim until the pod object is gone', async () => {
    await api.client.create(pvcs, 'default', { metadata: { name: 'scratch' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '' } });
    await api.client.create(pods, 'default', { metadata: { name: 'done' }, spec: { nodeName: 'n1', restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'scratch' } }] } });
    await api.client.patch(pods, 'default', 'done', 'merge', { status: { phase: 'Succeeded' } }, { subresource: 'status' });
    await api.client.delete(pvcs, 'default', 'scratch');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok((await api.client.get(pvcs, 'default', 'scratch')).metadata.deletionTimestamp, 'held by the Succeeded pod');
    await api.client.delete(pods, 'default', 'done', { gracePeriodSeconds: 0 });
    await gone(pvcs, 'default', 'scratch');
  });
});
