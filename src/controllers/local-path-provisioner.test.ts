import { setMaxListeners } from 'node:events';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../api/types.js';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../api/storage.js';
import { startTestApi, waitFor, type TestApi } from '../client/testing.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { LocalPathProvisioner } from './local-path-provisioner.js';
import { PersistentVolumeController } from './persistent-volume.js';
import { StorageProtectionController } from './storage-protection.js';

const pvs = { apiVersion: 'v1', plural: 'persistentvolumes' };
const pvcs = { apiVersion: 'v1', plural: 'persistentvolumeclaims' };
const classes = { apiVersion: 'storage.k8s.io/v1', plural: 'storageclasses' };
const nodes = { apiVersion: 'v1', plural: 'nodes' };
const pods = { apiVersion: 'v1', plural: 'pods' };
const events = { apiVersion: 'v1', plural: 'events' };

describe('local-path provisioner with the PV controller and the scheduler', () => {
  let api: TestApi;
  let storageDir: string;
  const stop = new AbortController();
  const running: Array<Promise<void>> = [];
  setMaxListeners(0, stop.signal);
  before(async () => {
    api = await startTestApi();
    storageDir = await mkdtemp(join(tmpdir(), 'litekube-storage-'));
    const controllers = api.clientAs('system:kube-controller-manager');
    running.push(
      new PersistentVolumeController({ client: controllers, resyncMs: 200 }).run(stop.signal),
      new StorageProtectionController({ client: controllers }).run(stop.signal),
      new LocalPathProvisioner({ client: controllers, storageDir, nodeName: 'node-a' }).run(stop.signal),
      new Scheduler({ client: api.clientAs('system:kube-scheduler'), retryIntervalMs: 500, initialBackoffMs: 20, maxBackoffMs: 100 }).run(stop.signal),
    );
    for (const name of ['node-a', 'node-b']) {
      await api.client.create(nodes, undefined, { metadata: { name, labels: { 'kubernetes.io/hostname': name } } });
      const resources = { cpu: '4', memory: '8Gi', pods: '110' };
      await api.client.patch(nodes, undefined, name, 'merge', { status: { capacity: resources, allocatable: resources } }, { subresource: 'status' });
    }
  });
  after(async () => {
    stop.abort();
    await Promise.all(running);
    await api.stop();
    await rm(storageDir, { recursive: true, force: true });
  });

  const getClaim = (name: string): Promise<PersistentVolumeClaim> => api.client.get<PersistentVolumeClaim>(pvcs, 'default', name);
  const reasons = async (name: string): Promise<string[]> =>
    (await api.client.list(events, 'default')).items.filter((e) => (e.involvedObject as { name?: string }).name === name).map((e) => e.reason as string);
  const podUsing = (name: string, claimName: string, nodeSelector?: Record<string, string>): KubeObject => ({
    metadata: { name },
    spec: { ...(nodeSelector ? { nodeSelector } : {}), containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
  });

  it('creates the default local-path class', async () => {
    const sc = await waitFor('the local-path class', () => api.client.get<StorageClass>(classes, undefined, 'local-path'));
    assert.deepEqual(
      [sc.provisioner, sc.reclaimPolicy, sc.volumeBindingMode, sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class']],
      ['rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', 'true'],
    );
  });

  it('provisions a directory and a volume on the node of the first pod, and removes both with the claim', async () => {
    const created = await api.client.create<PersistentVolumeClaim>(pvcs, 'default', { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '128Mi' } } } });
    assert.equal(created.spec?.storageClassName, 'local-path', 'the default class');
    await waitFor('WaitForFirstConsumer', async () => (await reasons('data')).includes('WaitForFirstConsumer'));
    assert.equal((await getClaim('data')).status?.phase, 'Pending');
    assert.deepEqual((await api.client.list(pvs, undefined)).items, [], 'nothing provisioned before a pod uses the claim');

    await api.client.create(pods, 'default', podUsing('writer', 'data', { 'kubernetes.io/hostname': 'node-a' }));
    const bound = await waitFor('the claim Bound', async () => {
      const c = await getClaim('data');
      return c.status?.phase === 'Bound' ? c : undefined;
    });
    assert.equal(bound.metadata.annotations?.['volume.kubernetes.io/selected-node'], 'node-a');
    const name = `pvc-${created.metadata.uid}`;
    assert.equal(bound.spec?.volumeName, name);
    const pv = await api.client.get<PersistentVolume>(pvs, undefined, name);
    const dir = join(storageDir, `pvc-${created.metadata.uid}_default_data`);
    assert.deepEqual(pv.spec?.hostPath, { path: dir, type: 'DirectoryOrCreate' });
    assert.deepEqual(pv.spec?.capacity, { storage: '128Mi' });
    assert.deepEqual(pv.spec?.accessModes, ['ReadWriteOnce']);
    assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Delete');
    assert.equal(pv.spec?.storageClassName, 'local-path');
    assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms, [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a'] }] }]);
    assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'], 'rancher.io/local-path');
    assert.equal(((await stat(dir)).mode & 0o777), 0o777);
    const pod = await waitFor('the pod bound', async () => ((await api.client.get(pods, 'default', 'writer')).spec as { nodeName?: string }).nodeName);
    assert.equal(pod, 'node-a');
    const seen = await reasons('data');
    for (const reason of ['ExternalProvisioning', 'Provisioning', 'ProvisioningSucceeded']) assert.ok(seen.includes(reason), `${reason} in ${seen.join(', ')}`);

    // A second pod using the bound claim must go where the volume is.
    await api.client.create(pods, 'default', podUsing('reader', 'data'));
    assert.equal(await waitFor('the reader bound', async () => ((await api.client.get(pods, 'default', 'reader')).spec as { nodeName?: string }).nodeName), 'node-a');

    await writeFile(join(dir, 'file'), 'kept');
    await api.client.delete(pods, 'default', 'writer', { gracePeriodSeconds: 0 });
    await api.client.delete(pods, 'default', 'reader', { gracePeriodSeconds: 0 });
    await api.client.delete(pvcs, 'default', 'data');
    await waitFor('the volume deleted', async () => (await api.client.list(pvs, undefined)).items.length === 0);
    assert.equal(existsSync(dir), false, 'the directory is removed');
  });

  it('does not provision for another node', async () => {
    await api.client.create(pvcs, 'default', { metadata: { name: 'elsewhere' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    await api.client.create(pods, 'default', podUsing('far', 'elsewhere', { 'kubernetes.io/hostname': 'node-b' }));
    await waitFor('selected-node node-b', async () => (await getClaim('elsewhere')).metadata.annotations?.['volume.kubernetes.io/selected-node'] === 'node-b');
    await waitFor('ExternalProvisioning', async () => (await reasons('elsewhere')).includes('ExternalProvisioning'));
    assert.deepEqual((await api.client.list(pvs, undefined)).items, []);
    assert.equal(((await api.client.get(pods, 'default', 'far')).spec as { nodeName?: string }).nodeName, undefined, 'the pod waits for its volume before binding');
  });
});
