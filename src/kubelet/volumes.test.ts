import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { waitFor } from '../client/testing.js';
import { containerStatuses, pod, podsRef, startKubelet } from './test-helpers.js';
import { memoryVolumeSize } from './volumes.js';

const pvcs = { apiVersion: 'v1', plural: 'persistentvolumeclaims' };
const pvs = { apiVersion: 'v1', plural: 'persistentvolumes' };
const events = { apiVersion: 'v1', plural: 'events' };

test('a pod whose claim is unbound waits in ContainerCreating with FailedMount, and starts once the claim is bound', async () => {
  const h = await startKubelet();
  const volumeDir = await mkdtemp(join(tmpdir(), 'litekube-pv-'));
  try {
    const claim = await h.api.client.create<KubeObject>(pvcs, 'default', { metadata: { name: 'data' }, spec: { storageClassName: '', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    await h.api.client.create(podsRef, 'default', pod('app', {
      containers: [{ name: 'app', image: 'busybox:1.36', command: ['sleep', '3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
    }));
    const message = await waitFor('FailedMount', async () => (await h.api.client.list(events, 'default')).items
      .find((e) => e.reason === 'FailedMount' && (e.involvedObject as { name?: string }).name === 'app')?.message as string | undefined);
    assert.equal(message, 'Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[], failed to process volumes=[data]: error processing PVC default/data: PVC default/data has non-bound phase ("Pending") or empty pvc.Spec.VolumeName ("")');
    const waiting = await waitFor('ContainerCreating', async () => containerStatuses(await h.api.client.get(podsRef, 'default', 'app'))[0]?.state.waiting);
    assert.equal(waiting.reason, 'ContainerCreating');
    assert.equal(h.runtime.configOf('app'), undefined, 'no container before the volume is there');

    // Bind it as the PV controller would.
    await h.api.client.create(pvs, undefined, {
      metadata: { name: 'pv-data' },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: volumeDir }, claimRef: { namespace: 'default', name: 'data', uid: claim.metadata.uid } },
    });
    await h.api.client.patch(pvcs, 'default', 'data', 'merge', { spec: { volumeName: 'pv-data' } });
    await h.api.client.patch(pvcs, 'default', 'data', 'merge', { status: { phase: 'Bound' } }, { subresource: 'status' });
    await waitFor('running', async () => containerStatuses(await h.api.client.get(podsRef, 'default', 'app'))[0]?.state.running);
    assert.deepEqual(h.runtime.configOf('app')?.mounts?.find((m) => m.containerPath === '/data')?.hostPath, volumeDir);
  } finally {
    await h.stop();
    await rm(volumeDir, { recursive: true, force: true });
  }
});

test('a memory emptyDir is sized like kubelet: allocatable, then the pod memory limit, then sizeLimit', () => {
  const container = (limit?: string): Record<string, unknown> => ({ name: 'c', image: 'i', ...(limit ? { resources: { limits: { memory: limit } } } : {}) });
  const withContainers = (...containers: Array<Record<string, unknown>>) => pod('p', { containers });
  assert.equal(memoryVolumeSize(withContainers(container()), undefined, '8Gi'), 8 * 2 ** 30);
  assert.equal(memoryVolumeSize(withContainers(container('256Mi'), container('256Mi')), undefined, '8Gi'), 512 * 2 ** 20);
  assert.equal(memoryVolumeSize(withContainers(container('256Mi'), container()), undefined, '8Gi'), 8 * 2 ** 30, 'a container without a limit: no pod limit');
  assert.equal(memoryVolumeSize(withContainers(container('256Mi')), '64Mi', '8Gi'), 64 * 2 ** 20);
  assert.equal(memoryVolumeSize(withContainers(container('256Mi')), '1Gi', '8Gi'), 256 * 2 ** 20, 'a sizeLimit above the pod limit does not raise it');
});
