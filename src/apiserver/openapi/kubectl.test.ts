// Drives a real kubectl against a throwaway HTTP server that serves only discovery and our
// OpenAPI v3 documents: `explain` must render from them, `create` must find fieldValidation
// on the PATCH operation and so send fieldValidation=Strict instead of validating itself, and
// client-side `apply` must build its strategic merge patch from our merge keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { ResourceDefinition } from '../../api/types.js';
import { buildOpenApiV3 } from './index.js';

const KUBECTL = ['/usr/lib/google-cloud-sdk/bin/kubectl.1.32', '/usr/local/bin/kubectl', '/usr/bin/kubectl'].find((path) => existsSync(path));

const resources: ResourceDefinition[] = [
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', singular: 'pod', namespaced: true, hasStatus: true, strategy: {} },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', singular: 'deployment', namespaced: true, hasStatus: true, strategy: {} },
];

function discovery(path: string): unknown {
  const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
  const list = (groupVersion: string, kind: string, name: string) => ({
    kind: 'APIResourceList', apiVersion: 'v1', groupVersion,
    resources: [{ name, singularName: kind.toLowerCase(), namespaced: true, kind, verbs }],
  });
  switch (path) {
    case '/version': return { major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' };
    case '/api': return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
    case '/apis': return { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } }] };
    case '/api/v1': return list('v1', 'Pod', 'pods');
    case '/apis/apps/v1': return list('apps/v1', 'Deployment', 'deployments');
    default: return undefined;
  }
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(KUBECTL ?? 'kubectl', args, { timeout: 20_000, env: { ...process.env, HOME: mkdtempSync(join(tmpdir(), 'kubectl-home-')) } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const lastApplied = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p2', namespace: 'default' }, spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y', ports: [{ containerPort: 80 }] }] } };
const live = { ...lastApplied, metadata: { ...lastApplied.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(lastApplied) } } };

test('kubectl explain, create and apply work from our OpenAPI v3', { skip: KUBECTL ? false : 'kubectl not installed' }, async () => {
  const { root, documents } = buildOpenApiV3(resources);
  const posts: string[] = [];
  const patches: Array<{ contentType: string | undefined; body: unknown }> = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const send = (code: number, body: unknown) => {
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (url.pathname === '/openapi/v3') return send(200, root);
      if (url.pathname.startsWith('/openapi/v3/')) {
        const document = documents.get(url.pathname.slice('/openapi/v3/'.length));
        return document ? send(200, document) : send(404, {});
      }
      if (request.method === 'PATCH') {
        patches.push({ contentType: request.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        return send(200, live);
      }
      if (url.pathname === '/api/v1/namespaces/default/pods/p2') return send(200, live);
      if (request.method === 'POST') {
        posts.push(`${url.pathname}?${url.searchParams.toString()}`);
        return send(201, JSON.parse(Buffer.concat(chunks).toString('utf8')));
      }
      const body = discovery(url.pathname);
      if (body) return send(200, body);
      send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const common = [`--server=http://127.0.0.1:${port}`, '--kubeconfig=/dev/null'];
  try {
    const explain = await run(['explain', 'pod.spec.containers.ports', ...common]);
    assert.equal(explain.code, 0, explain.stderr);
    assert.match(explain.stdout, /KIND:\s+Pod/);
    assert.match(explain.stdout, /containerPort\s+<integer> -required-/);
    assert.match(explain.stdout, /List of ports to expose/);

    const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    const manifest = join(dir, 'pod.json');
    writeFileSync(manifest, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox', imagex: 1 }] } }));
    const create = await run(['create', '-f', manifest, ...common]);
    assert.equal(create.code, 0, create.stderr);
    assert.deepEqual(posts, ['/api/v1/namespaces/default/pods?fieldManager=kubectl-create&fieldValidation=Strict']);

    // Reordered containers, b's port 80 replaced by 81: a merge-key patch, not a list replacement.
    const applied = join(dir, 'apply.json');
    writeFileSync(applied, JSON.stringify({ ...lastApplied, spec: { containers: [{ name: 'b', image: 'y2', ports: [{ containerPort: 81 }] }, { name: 'a', image: 'x' }] } }));
    const apply = await run(['apply', '-f', applied, ...common]);
    assert.equal(apply.code, 0, apply.stderr);
    assert.equal(patches.length, 1);
    assert.equal(patches[0].contentType, 'application/strategic-merge-patch+json');
    const spec = (patches[0].body as { spec: Record<string, unknown> }).spec;
    assert.deepEqual(spec['$setElementOrder/containers'], [{ name: 'b' }, { name: 'a' }]);
    assert.deepEqual(spec.containers, [
      { '$setElementOrder/ports': [{ containerPort: 81 }], image: 'y2', name: 'b', ports: [{ containerPort: 81 }, { $patch: 'delete', containerPort: 80 }] },
    ]);
  } finally {
    server.close();
  }
});
