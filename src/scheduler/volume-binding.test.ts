import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume } from '../api/storage.js';
import { startTestApi, waitFor } from '../client/testing.js';
import { Scheduler } from './scheduler.js';

const nodes = { apiVersion: 'v1', plural: 'nodes' };
const pods = { apiVersion: 'v1', plural: 'pods' };
const pvcs = { apiVersion: 'v1', plural: 'persistentvolumeclaims' };
const pvs = { apiVersion: 'v1', plural: 'persistentvolumes' };
const events = { apiVersion: 'v1', plural: 'events' };

test('VolumeBinding: a missing or unbound immediate claim keeps the pod Pending; a bound volume pins it to its node', async () => {
  const api = await startTestApi();
  const stop = new AbortController();
  const running = new Scheduler({ client: api.clientAs('system:kube-scheduler'), retryIntervalMs: 60_000, initialBackoffMs: 20, maxBackoffMs: 100 }).run(stop.signal);
  try {
    for (const name of ['n1', 'n2']) {
      await api.client.create(nodes, undefined, { metadata: { name, labels: { 'kubernetes.io/hostname': name } } });
      const resources = { cpu: '4', memory: '8Gi', pods: '110' };
      await api.client.patch(nodes, undefined, name, 'merge', { status: { capacity: resources, allocatable: resources } }, { subresource: 'status' });
    }
    await api.client.create(pods, 'default', { metadata: { name: 'app' }, spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] } });
    const failed = async (): Promise<string | undefined> => (await api.client.list(events, 'default')).items
      .filter((e) => (e.involvedObject as { name?: string }).name === 'app' && e.reason === 'FailedScheduling').map((e) => e.message as string).at(-1);
    assert.equal(await waitFor('FailedScheduling', failed),
      '0/2 nodes are available: persistentvolumeclaim "data" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');

    // A claim of no class is bound immediately or not at all: the pod still waits.
    await api.client.create(pvcs, 'default', { metadata: { name: 'data' }, spec: { storageClassName: '', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    await waitFor('unbound immediate', async () => (await failed())?.includes('pod has unbound immediate PersistentVolumeClaims'));

    // Bind it by hand (as the PV controller would) to a volume on n2.
    const pv: PersistentVolume = {
      metadata: { name: 'on-n2' },
      spec: {
        capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/on-n2' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n2'] }] }] } },
      },
    };
    await api.client.create(pvs, undefined, pv);
    await api.client.patch(pvcs, 'default', 'data', 'merge', { spec: { volumeName: 'on-n2' } });
    await api.client.patch(pvcs, 'default', 'data', 'merge', { status: { phase: 'Bound' } }, { subresource: 'status' });
    const node = await waitFor('the pod bound', async () => ((await api.client.get(pods, 'default', 'app')).spec as { nodeName?: string }).nodeName);
    assert.equal(node, 'n2');
  } finally {
    stop.abort();
    await running;
    await api.stop();
  }
});
