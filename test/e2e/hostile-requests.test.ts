import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AdminClient } from './https.js';
import { TestCluster } from './harness.js';

/** A small seeded PRNG (mulberry32) so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const collections = [
  '/api/v1/namespaces/default/pods', '/api/v1/namespaces/default/configmaps', '/api/v1/namespaces', '/api/v1/nodes',
  '/apis/apps/v1/namespaces/default/deployments', '/apis/batch/v1/namespaces/default/jobs', '/api/v1/namespaces/default/services',
  '/apis/batch/v1/namespaces/default/cronjobs', '/api/v1/namespaces/default/secrets', '/apis/rbac.authorization.k8s.io/v1/clusterroles',
];

const hostileValues: unknown[] = [
  null, 0, -1, 1e308, 'x'.repeat(70_000), '', '../../etc/passwd', '\u0000', '😀', [], {}, [[[[]]]], true,
  { $patch: 'delete' }, '{{.}}', 'A'.repeat(300), -0.5, '9'.repeat(400), { __proto__: { polluted: true } },
];

function hostileBody(pick: () => number): string {
  const r = pick();
  const any = () => hostileValues[Math.floor(pick() * hostileValues.length)];
  if (r < 0.15) return '{"metadata": {"name": "a"'; // truncated JSON
  if (r < 0.2) return '\u0000\u0001\u0002garbage';
  if (r < 0.25) return JSON.stringify(any());
  if (r < 0.4) return JSON.stringify({ metadata: any() });
  if (r < 0.55) return JSON.stringify({ metadata: { name: any(), labels: { k: any() }, annotations: any() }, spec: any() });
  if (r < 0.7) return JSON.stringify({ metadata: { name: `n${Math.floor(pick() * 1e6)}` }, spec: { containers: any(), replicas: any(), selector: any(), template: any() }, data: any() });
  if (r < 0.8) return JSON.stringify({ apiVersion: any(), kind: any(), metadata: { name: 'x', namespace: any(), resourceVersion: any(), finalizers: any() } });
  if (r < 0.9) return JSON.stringify([{ op: any(), path: any(), value: any() }]);
  return JSON.stringify({ metadata: { name: 'deep' }, data: JSON.parse('['.repeat(500) + ']'.repeat(500)) });
}

function hostilePath(pick: () => number): string {
  const base = collections[Math.floor(pick() * collections.length)];
  const tricks = [
    base, `${base}/x`, `${base}/%2e%2e/%2e%2e/secrets`, `${base}/..%2f..%2f`, `${base}//x///`, `${base}/%00`, `${base}/%zz`,
    `${base}/x/status`, `${base}/x/scale`, `${base}/x/unknown/deeper/path`, `/api/v1/namespaces/${'n'.repeat(5000)}/pods`,
    '/apis/nope.example.com/v1/things', '/api/v2/pods', '/../../etc/passwd', '/apis', '/api', `/openapi/v3/${'x'.repeat(100)}`,
    `${base}?labelSelector=${encodeURIComponent('a in (b')}`, `${base}?fieldSelector=${encodeURIComponent('spec.nope=1')}`,
    `${base}?limit=abc`, `${base}?limit=-5&continue=bm90LWEtdG9rZW4`, `${base}?watch=true&resourceVersion=abc&timeoutSeconds=1`,
    `${base}?watch=true&resourceVersion=999999999&timeoutSeconds=0`, `${base}?fieldValidation=Loose`, `${base}?dryRun=Some`,
    `${base}?labelSelector=${encodeURIComponent('!!!')}`, `${base}?timeoutSeconds=-1&watch=1`,
  ];
  return tricks[Math.floor(pick() * tricks.length)];
}

const contentTypes = ['application/json', 'application/yaml', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json', 'application/apply-patch+yaml', 'text/html', 'application/vnd.kubernetes.protobuf', ''];
const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

describe('hostile requests', () => {
  let cluster: TestCluster;
  let client: AdminClient;
  before(async () => {
    cluster = await TestCluster.start();
    client = new AdminClient(cluster.plane.server.url, cluster.dataDir, 16);
  });
  after(async () => {
    client?.close();
    await cluster?.stop();
  });

  it('10,000 malformed or hostile requests get 4xx answers (never 5xx) and the server stays up', async () => {
    const pick = random(20261125);
    const total = 10_000;
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        const method = methods[Math.floor(pick() * methods.length)];
        const path = hostilePath(pick);
        const body = method === 'GET' || method === 'OPTIONS' ? undefined : hostileBody(pick);
        const contentType = contentTypes[Math.floor(pick() * contentTypes.length)];
        const answer = await client.send(method, path, body, contentType ? { 'content-type': contentType } : {});
        if (answer.status >= 500) failures.push(`#${i} ${method} ${path.slice(0, 120)} [${contentType}] → ${answer.status} ${answer.body.slice(0, 200)}`);
        else if (answer.status >= 400 && !answer.body.includes('"kind":"Status"') && !path.startsWith('/openapi')) {
          failures.push(`#${i} ${method} ${path.slice(0, 120)} → ${answer.status} without a Status body: ${answer.body.slice(0, 100)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} bad answers`);
    const ready = await client.send('GET', '/readyz');
    assert.equal(ready.status, 200);
  });
});
