import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { startTestApi, type TestApi } from '../client/testing.js';

const pods = { apiVersion: 'v1', plural: 'pods' };
const quotas = { apiVersion: 'v1', plural: 'resourcequotas' };
const namespaces = { apiVersion: 'v1', plural: 'namespaces' };
const configMaps = { apiVersion: 'v1', plural: 'configmaps' };

function pod(name: string, requests?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'nginx', image: 'nginx', ...(requests ? { resources: { requests } } : {}) }] } };
}

async function refusal(promise: Promise<unknown>): Promise<{ code: number; reason: string; message: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e as { code: number; reason: string; message: string });
  assert.ok(error, 'expected the request to be refused');
  return { code: error.code, reason: error.reason, message: error.message };
}

describe('ResourceQuota admission', () => {
  let api: TestApi;
  const namespace = async (name: string, hard: Record<string, string>, extra: Record<string, unknown> = {}): Promise<void> => {
    await api.client.create(namespaces, undefined, { metadata: { name } });
    await api.client.create(quotas, name, { metadata: { name: 'quota' }, spec: { hard, ...extra } });
  };
  before(async () => {
    api = await startTestApi();
  });
  after(() => api.stop());

  it('refuses the pod past a pods quota and frees room when a pod is deleted', async () => {
    await namespace('rq-pods', { pods: '2' });
    await api.client.create(pods, 'rq-pods', pod('a'));
    await api.client.create(pods, 'rq-pods', pod('b'));
    const refused = await refusal(api.client.create(pods, 'rq-pods', pod('c')));
    assert.equal(refused.code, 403);
    assert.equal(refused.reason, 'Forbidden');
    assert.equal(refused.message, 'pods "c" is forbidden: exceeded quota: quota, requested: pods=1, used: pods=2, limited: pods=2');
    await api.client.delete(pods, 'rq-pods', 'a', { gracePeriodSeconds: 0 });
    await api.client.create(pods, 'rq-pods', pod('c'));
  });

  it('does not count finished pods', async () => {
    await namespace('rq-finished', { pods: '1' });
    await api.client.create(pods, 'rq-finished', pod('done'));
    await api.client.patch(pods, 'rq-finished', 'done', 'merge', { status: { phase: 'Succeeded' } }, { subresource: 'status' });
    await api.client.create(pods, 'rq-finished', pod('next'));
  });

  it('charges requests.cpu and names what is used', async () => {
    await namespace('rq-cpu', { 'requests.cpu': '2', 'requests.memory': '1Gi' });
    await api.client.create(pods, 'rq-cpu', pod('one', { cpu: '1', memory: '512Mi' }));
    const refused = await refusal(api.client.create(pods, 'rq-cpu', pod('two', { cpu: '1500m', memory: '256Mi' })));
    assert.equal(refused.message, 'pods "two" is forbidden: exceeded quota: quota, requested: requests.cpu=1500m, used: requests.cpu=1, limited: requests.cpu=2');
  });

  it('refuses a pod that leaves out a resource the quota constrains', async () => {
    await namespace('rq-missing', { 'requests.cpu': '2' });
    const refused = await refusal(api.client.create(pods, 'rq-missing', pod('bare')));
    assert.equal(refused.code, 403);
    assert.equal(refused.message, 'pods "bare" is forbidden: failed quota: quota: must specify requests.cpu for: nginx');
  });

  it('counts other objects by count/<resource> and short name', async () => {
    await namespace('rq-count', { 'count/configmaps': '2', configmaps: '5' });
    // Namespaces may start with a configmap of their own (kube-root-ca.crt); fill to the limit.
    for (let i = 0; i < 3; i++) await api.client.create(configMaps, 'rq-count', { metadata: { name: `cm-${i}` } }).catch(() => undefined);
    const refused = await refusal(api.client.create(configMaps, 'rq-count', { metadata: { name: 'over' } }));
    assert.match(refused.message, /^configmaps "over" is forbidden: exceeded quota: quota, requested: count\/configmaps=1, used: count\/configmaps=2, limited: count\/configmaps=2$/);
  });

  it('never lets concurrent creates exceed the quota', async () => {
    await namespace('rq-race', { pods: '3' });
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => api.client.create(pods, 'rq-race', pod(`p${i}`))));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { code: number }).code, 403);
    assert.equal((await api.client.list(pods, 'rq-race')).items.length, 3);
  });
});
