import { setMaxListeners } from 'node:events';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolumeClaim } from '../api/storage.js';
import type { KubeObject } from '../api/types.js';
import { startTestApi, waitFor, type TestApi } from '../client/testing.js';
import { EphemeralVolumeController } from './ephemeral-volume.js';

const pvcs = { apiVersion: 'v1', plural: 'persistentvolumeclaims' };
const pods = { apiVersion: 'v1', plural: 'pods' };
const events = { apiVersion: 'v1', plural: 'events' };

const podWithScratch = (name: string): KubeObject => ({
  metadata: { name },
  spec: {
    containers: [{ name: 'c', image: 'busybox' }],
    volumes: [{ name: 'scratch', ephemeral: { volumeClaimTemplate: { metadata: { labels: { kind: 'scratch' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'fast' } } } }],
  },
});

describe('ephemeral volume controller', () => {
  let api: TestApi;
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  let running: Promise<void>;
  before(async () => {
    api = await startTestApi();
    running = new EphemeralVolumeController({ client: api.clientAs('system:kube-controller-manager') }).run(stop.signal);
  });
  after(async () => {
    stop.abort();
    await running;
    await api.stop();
  });

  it('makes <pod>-<volume> from the template, owned by the pod, and again when it is deleted', async () => {
    const pod = await api.client.create(pods, 'default', podWithScratch('web'));
    const claim = await waitFor('the claim', () => api.client.get<PersistentVolumeClaim>(pvcs, 'default', 'web-scratch').catch(() => undefined));
    assert.deepEqual(claim.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Pod', name: 'web', uid: pod.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(claim.metadata.labels, { kind: 'scratch' });
    assert.equal(claim.spec?.storageClassName, 'fast');
    await api.client.patch(pvcs, 'default', 'web-scratch', 'merge', { metadata: { finalizers: null } });
    await api.client.delete(pvcs, 'default', 'web-scratch');
    const again = await waitFor('the claim again', async () => {
      const current = await api.client.get<PersistentVolumeClaim>(pvcs, 'default', 'web-scratch').catch(() => undefined);
      return current && current.metadata.uid !== claim.metadata.uid ? current : undefined;
    });
    assert.equal(again.metadata.ownerReferences?.[0]?.uid, pod.metadata.uid);
  });

  it('leaves a claim of that name the pod does not own, with a warning', async () => {
    await api.client.create(pvcs, 'default', { metadata: { name: 'taken-scratch' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    await api.client.create(pods, 'default', podWithScratch('taken'));
    const warning = await waitFor('the warning', async () => (await api.client.list(events, 'default')).items.find((e) => (e.involvedObject as { name?: string }).name === 'taken'));
    assert.equal(warning.message, 'PVC default/taken-scratch was not created for pod default/taken (pod is not owner)');
    assert.equal((await api.client.get(pvcs, 'default', 'taken-scratch')).metadata.ownerReferences, undefined);
  });
});
