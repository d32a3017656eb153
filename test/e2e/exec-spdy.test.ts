// kubectl exec and attach over SPDY/3.1, kubectl's fallback when a WebSocket upgrade is not
// possible (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false forces it), against a stand-in node agent.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodExecSource } from '../../src/api/exec.js';
import { startControlPlane, type ControlPlane } from '../../src/apiserver/index.js';
import { kubectlBinary } from './harness.js';

/** Echoes stdin to stdout, says what it runs on stderr, exits with the code `exit <n>` asks for. */
const standIn: PodExecSource = async (_pod, options) => ({
  async run(streams) {
    streams.stderr(Buffer.from(`running ${options.command.join(' ') || 'attached'}\n`));
    for await (const chunk of streams.stdin ?? []) streams.stdout(chunk as Buffer);
    const code = /exit (\d+)/.exec(options.command.join(' '))?.[1];
    return { exitCode: Number(code ?? 0) };
  },
});

describe('kubectl exec and attach over SPDY', () => {
  let plane: ControlPlane;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'litekube-spdy-exec-'));
    // No controllers run here to create the `default` ServiceAccount that admission would require.
    plane = await startControlPlane({ dataDir, port: 0, podExec: () => standIn, podAttach: () => standIn, disableAdmissionPlugins: ['ServiceAccount'] });
    const pods = plane.server.registry.definitionFor('', 'Pod')!;
    const user = { name: 'admin', groups: ['system:masters'] };
    await plane.server.registry.create(pods, 'default', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'shell' },
      spec: { nodeName: 'n1', containers: [{ name: 'main', image: 'busybox', stdin: true }] },
    }, { user });
    const stored = await plane.server.registry.get(pods, 'default', 'shell');
    await plane.server.registry.update(pods, 'default', 'shell', { ...stored, status: { phase: 'Running' } }, { user }, 'status');
  });
  after(async () => {
    await plane?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  function kubectl(args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile(kubectlBinary(), args, {
        env: { ...process.env, KUBECONFIG: plane.server.kubeconfigPath, HOME: dataDir, KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }, timeout: 20_000,
      }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
      child.stdin?.end(input);
    });
  }

  it('runs a command: stdin, stdout and stderr on their own streams, and the exit code', async () => {
    const result = await kubectl(['exec', '-i', 'shell', '--', 'sh', '-c', 'exit 3'], 'piped\n');
    assert.deepEqual(result, { code: 3, stdout: 'piped\n', stderr: 'running sh -c exit 3\ncommand terminated with exit code 3\n' });
    const ok = await kubectl(['exec', 'shell', '--', 'true']);
    assert.deepEqual(ok, { code: 0, stdout: '', stderr: 'running true\n' });
  });

  it('attaches to the container process', async () => {
    const result = await kubectl(['attach', '-i', 'shell'], 'typed\n');
    assert.equal(result.stdout, 'typed\n');
    assert.match(result.stderr, /running attached/);
    assert.equal(result.code, 0);
  });
});
