import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { startTestApi, type TestApi } from '../client/testing.js';
import { ResourceQuotaController } from './resource-quota.js';
import { formatQuantity } from '../api/quota.js';

const pods = { apiVersion: 'v1', plural: 'pods' };
const quotas = { apiVersion: 'v1', plural: 'resourcequotas' };
const namespaces = { apiVersion: 'v1', plural: 'namespaces' };
const services = { apiVersion: 'v1', plural: 'services' };

interface QuotaStatus { hard?: Record<string, string>; used?: Record<string, string> }

function pod(name: string, cpu: string, memory: string): KubeObject {
  return { metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu, memory }, limits: { cpu, memory } } }] } };
}

describe('resource quota controller', () => {
  let api: TestApi;
  const stop = new AbortController();
  let running: Promise<void>;
  before(async () => {
    api = await startTestApi();
    running = new ResourceQuotaController({ client: api.clientAs('system:serviceaccount:kube-system:resourcequota-controller') }).run(stop.signal);
    await api.client.create(namespaces, undefined, { metadata: { name: 'rqc' } });
  });
  after(async () => {
    stop.abort();
    await running;
    await api.stop();
  });

  /** Polls the quota's status until it matches, for at most five seconds. */
  async function statusBecomes(expected: QuotaStatus): Promise<void> {
    let status: QuotaStatus | undefined;
    for (let i = 0; i < 100; i++) {
      status = (await api.client.get(quotas, 'rqc', 'compute')).status as QuotaStatus | undefined;
      if (JSON.stringify(status) === JSON.stringify(expected)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(status, expected);
  }

  it('fills status.hard and status.used and follows creates and deletes', async () => {
    const hard = { 'limits.memory': '2Gi', pods: '5', 'requests.cpu': '2', services: '2' };
    await api.client.create(quotas, 'rqc', { metadata: { name: 'compute' }, spec: { hard } });
    await statusBecomes({ hard, used: { 'limits.memory': '0', pods: '0', 'requests.cpu': '0', services: '0' } });

    await api.client.create(pods, 'rqc', pod('a', '500m', '256Mi'));
    await api.client.create(pods, 'rqc', pod('b', '1', '512Mi'));
    await api.client.create(services, 'rqc', { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    await statusBecomes({ hard, used: { 'limits.memory': '768Mi', pods: '2', 'requests.cpu': '1500m', services: '1' } });

    // A finished pod and a deleted pod stop counting.
    await api.client.patch(pods, 'rqc', 'a', 'merge', { status: { phase: 'Succeeded' } }, { subresource: 'status' });
    await statusBecomes({ hard, used: { 'limits.memory': '512Mi', pods: '1', 'requests.cpu': '1', services: '1' } });
    await api.client.delete(pods, 'rqc', 'b', { gracePeriodSeconds: 0 });
    await statusBecomes({ hard, used: { 'limits.memory': '0', pods: '0', 'requests.cpu': '0', services: '1' } });
  });

  it('prints sums canonically', () => {
    assert.equal(formatQuantity(0.5 + 1), '1500m');
    assert.equal(formatQuantity(768 * 2 ** 20, true), '768Mi');
    assert.equal(formatQuantity(2048 * 2 ** 20, true), '2Gi');
  });
});
