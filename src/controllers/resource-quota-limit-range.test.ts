import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { startTestApi, type TestApi } from '../client/testing.js';

const pods = { apiVersion: 'v1', plural: 'pods' };
const limitRanges = { apiVersion: 'v1', plural: 'limitranges' };
const namespaces = { apiVersion: 'v1', plural: 'namespaces' };
const claims = { apiVersion: 'v1', plural: 'persistentvolumeclaims' };

function pod(name: string, resources?: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'nginx', image: 'nginx', ...(resources ? { resources } : {}) }] } };
}

interface Resources { requests?: Record<string, string>; limits?: Record<string, string> }
const resourcesOf = (p: KubeObject): Resources => ((p.spec as { containers: Array<{ resources?: Resources }> }).containers[0]!.resources ?? {});

async function refusal(promise: Promise<unknown>): Promise<{ code: number; reason: string; message: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e as { code: number; reason: string; message: string });
  assert.ok(error, 'expected the request to be refused');
  return { code: error.code, reason: error.reason, message: error.message };
}

describe('LimitRanger admission', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
    for (const name of ['lr-defaults', 'lr-bounds', 'lr-claims']) await api.client.create(namespaces, undefined, { metadata: { name } });
  });
  after(() => api.stop());

  it('fills missing requests and limits from defaults and says so in an annotation', async () => {
    await api.client.create(limitRanges, 'lr-defaults', {
      metadata: { name: 'defaults' },
      spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' } }] },
    });
    const created = await api.client.create(pods, 'lr-defaults', pod('nginx'));
    assert.deepEqual(resourcesOf(created), { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    assert.equal(created.metadata.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx');

    // What the pod states is kept; only the rest is filled.
    const partial = await api.client.create(pods, 'lr-defaults', pod('partial', { requests: { cpu: '200m' }, limits: { cpu: '300m' } }));
    assert.deepEqual(resourcesOf(partial), { requests: { cpu: '200m', memory: '128Mi' }, limits: { cpu: '300m', memory: '256Mi' } });
    assert.equal(partial.metadata.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: memory request for container nginx; memory limit for container nginx');
  });

  it('refuses a pod outside min and max with kube\'s message', async () => {
    await api.client.create(limitRanges, 'lr-bounds', {
      metadata: { name: 'bounds' },
      spec: { limits: [{ type: 'Container', max: { cpu: '1' }, min: { memory: '64Mi' }, default: { cpu: '500m', memory: '128Mi' } }] },
    });
    const refused = await refusal(api.client.create(pods, 'lr-bounds', pod('x', { requests: { cpu: '500m', memory: '32Mi' }, limits: { cpu: '2', memory: '128Mi' } })));
    assert.equal(refused.code, 403);
    assert.equal(refused.reason, 'Forbidden');
    assert.equal(refused.message, 'pods "x" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, minimum memory usage per Container is 64Mi, but request is 32Mi]');

    const single = await refusal(api.client.create(pods, 'lr-bounds', pod('y', { limits: { cpu: '1500m' } })));
    assert.equal(single.message, 'pods "y" is forbidden: maximum cpu usage per Container is 1, but limit is 1500m');

    // Within bounds (with defaults filled in) it is admitted.
    await api.client.create(pods, 'lr-bounds', pod('fits'));
  });

  it('checks the pod total and the limit/request ratio', async () => {
    await api.client.create(namespaces, undefined, { metadata: { name: 'lr-pod' } });
    await api.client.create(limitRanges, 'lr-pod', {
      metadata: { name: 'pod' },
      spec: { limits: [{ type: 'Pod', max: { memory: '1Gi' } }, { type: 'Container', maxLimitRequestRatio: { cpu: '2' } }] },
    });
    const twoContainers: KubeObject = {
      metadata: { name: 'big' },
      spec: { containers: ['a', 'b'].map((name) => ({ name, image: 'nginx', resources: { requests: { cpu: '100m' }, limits: { cpu: '300m', memory: '768Mi' } } })) },
    };
    const refused = await refusal(api.client.create(pods, 'lr-pod', twoContainers));
    assert.equal(refused.message, 'pods "big" is forbidden: [maximum memory usage per Pod is 1Gi, but limit is 1536Mi, cpu max limit to request ratio per Container is 2, but provided ratio is 3.000000]');
  });

  it('bounds claim storage requests', async () => {
    await api.client.create(limitRanges, 'lr-claims', { metadata: { name: 'storage' }, spec: { limits: [{ type: 'PersistentVolumeClaim', max: { storage: '2Gi' }, min: { storage: '1Gi' } }] } });
    const claim = (name: string, storage: string): KubeObject => ({ metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } });
    const refused = await refusal(api.client.create(claims, 'lr-claims', claim('huge', '5Gi')));
    assert.equal(refused.message, 'persistentvolumeclaims "huge" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi');
    await api.client.create(claims, 'lr-claims', claim('ok', '1Gi'));
  });
});
