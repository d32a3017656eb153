// kubectl port-forward against the API server, with a stand-in node agent that reaches "pod
// ports" on local test servers: the protocols (SPDY tunnelled in a WebSocket, and the plain SPDY
// fallback), several connections, half-close and the refused-port error. The real agent is
// exercised in node-agent.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodPortForwardSource } from '../../src/api/portforward.js';
import { startControlPlane, type ControlPlane } from '../../src/apiserver/index.js';
import { eventually, kubectlBinary } from './harness.js';

/** Pod port → the local server standing in for it. */
const podPorts = new Map<number, number>();

const standIn: PodPortForwardSource = async () => ({
  podSandboxId: 'sandbox-1',
  dial: (port) => {
    const socket = connect({ host: '127.0.0.1', port: podPorts.get(port) ?? 1, allowHalfOpen: true });
    // Worded as the real agent words a refused connection (listeners all see this one error).
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') error.message = `dial tcp4 127.0.0.1:${port}: connect: connection refused`;
    });
    return socket;
  },
});

/** Answers each connection with what it received, upper-cased, once the client half-closes. */
function shoutServer(): Promise<Server> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => socket.end(Buffer.concat(chunks).toString().toUpperCase()));
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Sends `text`, half-closes, and returns the whole answer. */
function ask(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => socket.end(text));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

function freePort(): Promise<number> {
  const server = createServer();
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    server.close(() => resolve(port));
  }));
}

describe('kubectl port-forward', () => {
  let plane: ControlPlane;
  let dataDir: string;
  let shout: Server;
  const children: ChildProcess[] = [];

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'litekube-pf-'));
    // No controllers run here to create the `default` ServiceAccount that admission would require.
    plane = await startControlPlane({ dataDir, port: 0, podPortForward: () => standIn, disableAdmissionPlugins: ['ServiceAccount'] });
    shout = await shoutServer();
    podPorts.set(8080, (shout.address() as AddressInfo).port);
    const pods = plane.server.registry.definitionFor('', 'Pod')!;
    const user = { name: 'admin', groups: ['system:masters'] };
    await plane.server.registry.create(pods, 'default', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' } },
      spec: { nodeName: 'n1', containers: [{ name: 'web', image: 'busybox', ports: [{ containerPort: 8080 }] }] },
    }, { user });
    const stored = await plane.server.registry.get(pods, 'default', 'web');
    await plane.server.registry.update(pods, 'default', 'web', { ...stored, status: { phase: 'Running' } }, { user }, 'status');
    const services = plane.server.registry.definitionFor('', 'Service')!;
    await plane.server.registry.create(services, 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    }, { user });
  });

  after(async () => {
    for (const child of children) child.kill('SIGTERM');
    shout?.close();
    await plane?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  function portForward(args: string[], env: Record<string, string> = {}): { output: () => string; child: ChildProcess } {
    const child = spawn(kubectlBinary(), ['port-forward', ...args], { env: { ...process.env, KUBECONFIG: plane.server.kubeconfigPath, HOME: dataDir, ...env } });
    children.push(child);
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    return { output: () => text, child };
  }

  for (const [transport, env] of [['SPDY tunnelled in a WebSocket (the default)', {}], ['plain SPDY (the fallback)', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }]] as const) {
    it(`forwards connections over ${transport}, each with its own stream pair`, async () => {
      const local = await freePort();
      const forward = portForward(['pod/web', `${local}:8080`], env);
      await eventually(async () => forward.output().includes(`Forwarding from 127.0.0.1:${local} -> 8080`), 10_000, 'kubectl forwarding');
      assert.equal(await ask(local, 'hello'), 'HELLO');
      // Several connections at once, and a larger body split over many frames.
      const big = 'x'.repeat(200_000);
      const answers = await Promise.all([ask(local, 'one'), ask(local, 'two'), ask(local, big)]);
      assert.deepEqual(answers, ['ONE', 'TWO', big.toUpperCase()]);
      assert.match(forward.output(), /Handling connection for \d+/);
      forward.child.kill('SIGTERM');
    });
  }

  it('reports a refused pod port through the error stream; kubectl then stops with "lost connection to pod"', async () => {
    const local = await freePort();
    const forward = portForward(['pod/web', `${local}:9999`]);
    await eventually(async () => forward.output().includes(`Forwarding from 127.0.0.1:${local} -> 9999`), 10_000, 'kubectl forwarding');
    await ask(local, 'anyone?').catch(() => '');
    await eventually(async () => /error forwarding port 9999 to pod sandbox-1, uid : dial tcp4 127.0.0.1:9999: connect: connection refused/.test(forward.output()), 10_000, 'the error in kubectl output');
    await eventually(async () => forward.child.exitCode !== null, 10_000, 'kubectl to stop');
    assert.equal(forward.child.exitCode, 1);
    assert.match(forward.output(), /error: lost connection to pod/);
  });

  it('forwards to a Service: kubectl picks one of its pods and maps the port to the target port', async () => {
    const local = await freePort();
    const forward = portForward(['svc/web', `${local}:80`]);
    await eventually(async () => forward.output().includes(`Forwarding from 127.0.0.1:${local} -> 8080`), 10_000, 'kubectl forwarding');
    assert.equal(await ask(local, 'via service'), 'VIA SERVICE');
    forward.child.kill('SIGTERM');
  });

  it('answers a pod that does not exist with NotFound', async () => {
    const result = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const forward = portForward(['pod/nope', '18081:8080']);
      forward.child.on('close', (code) => resolve({ code, text: forward.output() }));
    });
    assert.notEqual(result.code, 0);
    assert.match(result.text, /pods "nope" not found/);
  });
});
