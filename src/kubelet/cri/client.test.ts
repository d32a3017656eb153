// The client against an in-process gRPC server speaking our api.proto on a unix socket:
// field mapping both ways, errors and deadlines, without a container runtime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CriClient } from './client.js';
import { CriError, isNotFound } from './errors.js';
import type { PodSandboxConfig } from './types.js';

type Handler = (request: Record<string, unknown>) => object | Error | 'hang';

async function withServer(handlers: Record<string, Handler>, body: (client: CriClient, seen: Map<string, Record<string, unknown>>) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'litekube-cri-client-'));
  const socket = join(dir, 'cri.sock');
  const definition = protoLoader.loadSync(fileURLToPath(new URL('../../../../src/kubelet/cri/api.proto', import.meta.url)),
    { keepCase: false, enums: String, longs: Number, defaults: true });
  const server = new grpc.Server();
  const seen = new Map<string, Record<string, unknown>>();
  for (const service of ['RuntimeService', 'ImageService']) {
    const svc = definition[`runtime.v1.${service}`] as grpc.ServiceDefinition;
    const impl: grpc.UntypedServiceImplementation = {};
    for (const name of Object.keys(svc)) {
      impl[name] = (call: grpc.ServerUnaryCall<Record<string, unknown>, object>, callback: grpc.sendUnaryData<object>) => {
        seen.set(name, call.request);
        const handler = handlers[name];
        const result = handler ? handler(call.request) : {};
        if (result === 'hang') return;
        if (result instanceof Error) callback({ code: grpc.status.NOT_FOUND, details: result.message });
        else callback(null, result);
      };
    }
    server.addService(svc, impl);
  }
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
  const client = new CriClient({ socket, timeoutMs: 500 });
  try {
    await body(client, seen);
  } finally {
    client.close();
    server.forceShutdown();
    await rm(dir, { recursive: true, force: true });
  }
}

const sandboxConfig: PodSandboxConfig = {
  metadata: { name: 'p', uid: 'u1', namespace: 'ns', attempt: 1 },
  hostname: 'p',
  logDirectory: '/var/log/pods/ns_p_u1',
  portMappings: [{ protocol: 'UDP', containerPort: 53, hostPort: 5353 }],
  labels: { a: 'b' },
  linux: { cgroupParent: '/kubepods', securityContext: { namespaceOptions: { network: 'NODE' } }, sysctls: { 'net.ipv4.ip_forward': '1' } },
};

test('CRI client: requests carry the interface fields on the wire (camelCase, enums by name, maps)', async () => {
  await withServer({ RunPodSandbox: () => ({ podSandboxId: 'sb1' }) }, async (client, seen) => {
    assert.equal(await client.runPodSandbox(sandboxConfig, 'runc'), 'sb1');
    const request = seen.get('RunPodSandbox') as { config: Record<string, unknown>; runtimeHandler: string };
    assert.equal(request.runtimeHandler, 'runc');
    assert.deepEqual(request.config.metadata, sandboxConfig.metadata);
    assert.equal(request.config.logDirectory, sandboxConfig.logDirectory);
    assert.deepEqual(request.config.portMappings, [{ protocol: 'UDP', containerPort: 53, hostPort: 5353, hostIp: '' }]);
    assert.deepEqual(request.config.labels, { a: 'b' });
    const linux = request.config.linux as { cgroupParent: string; securityContext: { namespaceOptions: { network: string } }; sysctls: object };
    assert.equal(linux.cgroupParent, '/kubepods');
    assert.equal(linux.securityContext.namespaceOptions.network, 'NODE');
    assert.deepEqual(linux.sysctls, { 'net.ipv4.ip_forward': '1' });

    await client.stopContainer('c1', 7);
    assert.deepEqual(seen.get('StopContainer'), { containerId: 'c1', timeout: 7 });
    await client.listContainers({ podSandboxId: 'sb1', labelSelector: { x: 'y' } });
    const filter = (seen.get('ListContainers') as { filter: { podSandboxId: string; labelSelector: object } }).filter;
    assert.equal(filter.podSandboxId, 'sb1');
    assert.deepEqual(filter.labelSelector, { x: 'y' });

    await client.pullImage('r.example/app:1', { username: 'u', password: 'p' }, sandboxConfig);
    const pull = seen.get('PullImage') as { image: { image: string }; auth: Record<string, string>; sandboxConfig: { metadata: object } };
    assert.equal(pull.image.image, 'r.example/app:1');
    assert.deepEqual(pull.auth, { username: 'u', password: 'p', auth: '', serverAddress: '', identityToken: '', registryToken: '' });
    assert.deepEqual(pull.sandboxConfig.metadata, sandboxConfig.metadata);
    await client.pullImage('r.example/app:2');
    assert.equal((seen.get('PullImage') as { auth: unknown }).auth, null, 'no credentials: no AuthConfig at all');
  });
});

test('CRI client: replies map onto the interface (int64 as numbers, enums by name, absent parts filled)', async () => {
  await withServer({
    PodSandboxStatus: () => ({
      status: { id: 'sb1', metadata: sandboxConfig.metadata, state: 'SANDBOX_NOTREADY', createdAt: 1_700_000_000_000_000_000, network: { ip: '10.42.0.5' }, runtimeHandler: 'x' },
    }),
    ContainerStatus: () => ({ status: { id: 'c1', state: 'CONTAINER_EXITED', exitCode: 3, finishedAt: 5, image: { image: 'busybox' }, logPath: 'c/0.log', mounts: [{ containerPath: '/dev/termination-log', hostPath: '/p/c/1' }] } }),
    ListPodSandbox: () => ({ items: [{ id: 'a', state: 'SANDBOX_READY' }] }),
    ImageStatus: (r) => ((r.image as { image: string }).image === 'known' ? { image: { id: 'sha256:1', repoTags: ['known:1'], size: 42 } } : {}),
    Version: () => ({ version: '0.1.0', runtimeName: 'fake', runtimeVersion: '1', runtimeApiVersion: 'v1' }),
  }, async (client) => {
    const status = await client.podSandboxStatus('sb1');
    assert.equal(status.state, 'SANDBOX_NOTREADY');
    assert.equal(typeof status.createdAt, 'number');
    assert.ok(Math.abs(status.createdAt - 1.7e18) < 1e4);
    assert.deepEqual(status.network, { ip: '10.42.0.5' });
    assert.deepEqual(status.labels, {});
    assert.equal('runtimeHandler' in status, false);
    const c = await client.containerStatus('c1');
    assert.deepEqual(c, {
      id: 'c1', metadata: { name: '', attempt: 0 }, state: 'CONTAINER_EXITED', createdAt: 0, startedAt: 0, finishedAt: 5, exitCode: 3,
      image: { image: 'busybox' }, imageRef: '', reason: '', message: '', labels: {}, annotations: {}, logPath: 'c/0.log',
      mounts: [{ containerPath: '/dev/termination-log', hostPath: '/p/c/1', readonly: false, propagation: 'PROPAGATION_PRIVATE' }],
    });
    assert.deepEqual((await client.listPodSandbox()).map((s) => [s.id, s.state, s.metadata.name]), [['a', 'SANDBOX_READY', '']]);
    assert.deepEqual(await client.imageStatus('known'), { id: 'sha256:1', repoTags: ['known:1'], repoDigests: [], size: 42 });
    assert.equal(await client.imageStatus('unknown'), undefined);
    assert.deepEqual(await client.version(), { runtimeName: 'fake', runtimeVersion: '1', runtimeApiVersion: 'v1' });
  });
});

test('CRI client: errors carry the runtime message and code; every call has a deadline', async () => {
  await withServer({
    RemoveContainer: () => new Error('container "c9" not found'),
    ListImages: () => 'hang',
  }, async (client) => {
    const err = await client.removeContainer('c9').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof CriError);
    assert.equal(err.message, 'container "c9" not found');
    assert.equal(err.method, 'RemoveContainer');
    assert.ok(isNotFound(err));
    const started = Date.now();
    await assert.rejects(client.listImages(), (e: unknown) => e instanceof CriError && e.code === grpc.status.DEADLINE_EXCEEDED);
    assert.ok(Date.now() - started < 3000);
  });
});

test('CRI client: an absent socket fails within the deadline', async () => {
  const client = new CriClient({ socket: '/nonexistent/litekube.sock', timeoutMs: 300 });
  try {
    await assert.rejects(client.version(), CriError);
  } finally {
    client.close();
  }
});
