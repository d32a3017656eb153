import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { PodExecSource } from '../../api/exec.js';
import { startControlPlane, type ControlPlane } from '../index.js';

/** A node agent stand-in: echoes stdin to stdout, then exits with the code `exit <n>` asks for. */
const fakeExec: PodExecSource = async (_pod, options) => ({
  async run(streams) {
    streams.stderr(Buffer.from(`running ${options.command.join(' ')}\n`));
    for await (const chunk of streams.stdin ?? []) streams.stdout(chunk as Buffer);
    const code = /exit (\d+)/.exec(options.command.join(' '))?.[1];
    return { exitCode: Number(code ?? 0) };
  },
});

interface Session { messages: Buffer[]; closeCode: number; protocol: string }

describe('pods/exec over WebSocket', () => {
  let plane: ControlPlane;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'litekube-exec-'));
    // No controllers run here to create the `default` ServiceAccount that admission would require.
    plane = await startControlPlane({ dataDir, port: 0, podExec: () => fakeExec, disableAdmissionPlugins: ['ServiceAccount'] });
    const pods = plane.server.registry.definitionFor('', 'Pod')!;
    const user = { name: 'admin', groups: ['system:masters'] };
    for (const [name, containers] of [['one', ['a']], ['two', ['a', 'b']]] as const) {
      await plane.server.registry.create(pods, 'default', {
        apiVersion: 'v1', kind: 'Pod', metadata: { name },
        spec: { nodeName: 'n1', containers: containers.map((c) => ({ name: c, image: 'busybox' })) },
      }, { user });
    }
  });
  after(async () => {
    await plane?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const url = (pod: string, query: string): string => `${plane.server.url.replace('https', 'wss')}/api/v1/namespaces/default/pods/${pod}/exec?${query}`;
  const tls = (withCertificate = true) => ({
    ca: plane.server.certificates!.caCert,
    ...(withCertificate ? { cert: plane.server.certificates!.adminCert, key: plane.server.certificates!.adminKey } : {}),
  });

  function open(pod: string, query: string, send: Buffer[] = []): Promise<Session> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url(pod, query), ['v5.channel.k8s.io', 'v4.channel.k8s.io'], tls());
      const messages: Buffer[] = [];
      socket.on('open', () => send.forEach((m) => socket.send(m)));
      socket.on('message', (data) => messages.push(data as Buffer));
      socket.on('close', (closeCode) => resolve({ messages, closeCode, protocol: socket.protocol }));
      socket.on('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => reject(Object.assign(new Error(body), { statusCode: response.statusCode })));
      });
      socket.on('error', reject);
    });
  }

  it('streams output per channel and ends with the exit Status on channel 3', async () => {
    const command = 'command=sh&command=-c&command=echo%20hi%3B%20exit%203';
    const session = await open('one', `${command}&stdin=true&stdout=true&stderr=true`, [Buffer.from([0, ...Buffer.from('piped\n')]), Buffer.from([255, 0])]);
    assert.equal(session.protocol, 'v5.channel.k8s.io');
    assert.equal(session.closeCode, 1000);
    const byChannel = (n: number) => Buffer.concat(session.messages.filter((m) => m[0] === n).map((m) => m.subarray(1))).toString();
    assert.equal(byChannel(1), 'piped\n');
    assert.equal(byChannel(2), 'running sh -c echo hi; exit 3\n');
    assert.deepEqual(JSON.parse(byChannel(3)), {
      metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
      message: 'command terminated with non-zero exit code: error executing command [sh -c echo hi; exit 3], exit code 3',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  it('answers problems before the upgrade as HTTP Status errors', async () => {
    const refused = (pod: string, query: string) => open(pod, query).then(() => assert.fail('upgraded'), (error: Error & { statusCode?: number }) => ({ code: error.statusCode, message: (JSON.parse(error.message) as { message: string }).message }));
    assert.deepEqual(await refused('two', 'command=true&stdout=true'), { code: 400, message: 'a container name must be specified for pod two, choose one of: [a b]' });
    assert.deepEqual(await refused('one', 'command=true&stdout=true&container=nope'), { code: 400, message: 'container nope is not valid for pod one' });
    assert.deepEqual(await refused('gone', 'command=true&stdout=true'), { code: 404, message: 'pods "gone" not found' });
    assert.deepEqual(await refused('one', 'stdout=true'), { code: 400, message: 'you must specify at least one command for the container' });
  });

  it('needs a client certificate, as every request does', async () => {
    const status = await new Promise<number | undefined>((resolve) => {
      const socket = new WebSocket(url('one', 'command=true&stdout=true'), ['v5.channel.k8s.io'], tls(false));
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode));
      socket.on('open', () => resolve(101));
      socket.on('error', () => resolve(undefined));
    });
    assert.equal(status, 401);
  });

  it('switches to SPDY for v4.channel.k8s.io and refuses older remotecommand versions with 403', async () => {
    const { request } = await import('node:https');
    const attempt = (version: string) => new Promise<{ code: number | undefined; body: string }>((resolve, reject) => {
      const req = request(url('one', 'command=true&stdout=true').replace('wss', 'https'), {
        method: 'POST', ...tls(), headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': version },
      });
      req.on('response', (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ code: response.statusCode, body }));
      });
      req.on('upgrade', (response, socket) => {
        socket.destroy();
        resolve({ code: 101, body: String(response.headers['x-stream-protocol-version']) });
      });
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual(await attempt('v4.channel.k8s.io, v3.channel.k8s.io'), { code: 101, body: 'v4.channel.k8s.io' });
    const refused = await attempt('v2.channel.k8s.io');
    assert.equal(refused.code, 403);
    assert.match(refused.body, /unable to upgrade: unable to negotiate protocol: client supports \[\\"v2.channel.k8s.io\\"\], server supports \[\\"v4.channel.k8s.io\\"\]/);
  });
});
