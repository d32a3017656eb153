// `litekube up` as a user runs it: the real command line, its defaults (bridge litekube0, pod
// range 10.42.0.0/24, cgroup parent /litekube, node named after the host), kubectl through the
// printed kubeconfig, and a clean stop on SIGTERM. The machine is put back as it was.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { captureHostState, linkNames, pidsMentioning, restoreHostState, unmountUnder, type HostState } from '../../src/kubelet/containerd/host-state.js';
import { eventually, kubectlBinary } from './harness.js';

const bridge = 'litekube0';
const canRun = process.getuid?.() === 0 && spawnSync('containerd', ['--version'], { stdio: 'ignore' }).status === 0
  && !linkNames().includes(bridge) && !existsSync('/sys/fs/cgroup/pids/litekube');

describe('litekube up', { skip: canRun ? false : 'needs root, containerd, and no other litekube node on this machine' }, () => {
  let dataDir: string;
  let hostBefore: HostState;
  let server: ChildProcess | undefined;
  let output = '';
  let exitCode: number | null = null;

  const kubectl = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => new Promise((resolve) => {
    const child = spawn(kubectlBinary(), args, { env: { ...process.env, KUBECONFIG: join(dataDir, 'kubeconfig.yaml'), HOME: dataDir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  const ok = async (args: string[]): Promise<string> => {
    const result = await kubectl(args);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  };

  before(async () => {
    hostBefore = captureHostState();
    dataDir = await mkdtemp(join(tmpdir(), 'litekube-up-'));
    server = spawn(process.execPath, ['bin/litekube.js', 'up', '--data-dir', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
    server.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    server.on('exit', (code) => (exitCode = code));
  });

  after(async () => {
    if (server && exitCode === null) {
      await kubectl(['delete', 'pods', '--all', '--grace-period=1', '--wait=true', '--timeout=60s']);
      server.kill('SIGTERM');
      await eventually(async () => exitCode !== null, 30_000, 'litekube to stop').catch(() => server?.kill('SIGKILL'));
    }
    const strays = pidsMentioning(dataDir);
    for (const pid of strays) process.kill(pid, 'SIGKILL');
    if (strays.length) await sleep(200);
    const mounted = unmountUnder(dataDir);
    // up keeps its bridge for the next start; the test removes it with the rest.
    const { problems } = restoreHostState(hostBefore, [bridge]);
    await rm(dataDir, { recursive: true, force: true });
    assert.deepEqual({ strays, mounted, problems }, { strays: [], mounted: [], problems: [] }, 'the machine is as it was');
  });

  it('prints where it is ready and the kubeconfig, then runs a pod on the node named after the host', async () => {
    await eventually(async () => output.includes('litekube is ready at https://'), 60_000, `litekube up to be ready (output: ${output})`);
    assert.match(output, new RegExp(`export KUBECONFIG=${join(dataDir, 'kubeconfig.yaml').replaceAll('/', '\\/')}`));
    assert.match(output, /Node \S+ runs pods with containerd \(images present offline: litekube\.local\/busybox:latest\)/);
    const node = hostname().toLowerCase();
    await eventually(async () => new RegExp(`^${node}\\s+Ready\\s`, 'm').test(await ok(['get', 'nodes'])), 30_000, 'the node Ready');
    assert.match(await ok(['get', 'node', node, '-o', 'jsonpath={.status.nodeInfo.containerRuntimeVersion}']), /^containerd:\/\//);
    await ok(['run', 'hello', '--image=litekube.local/busybox:latest', '--image-pull-policy=Never', '--', 'sh', '-c', 'echo hello from $(hostname); sleep 3600']);
    await ok(['wait', '--for=condition=Ready', 'pod/hello', '--timeout=60s']);
    assert.match(await ok(['get', 'pod', 'hello', '-o', 'jsonpath={.status.podIP}']), /^10\.42\.0\.\d+$/);
    await eventually(async () => (await ok(['logs', 'hello'])) === 'hello from hello\n', 10_000, 'the log line');
    assert.equal(await ok(['exec', 'hello', '--', 'cat', '/etc/hostname']), 'hello\n');
  });

  it('stops cleanly on SIGTERM', async () => {
    await ok(['delete', 'pod', 'hello', '--grace-period=1', '--wait=true', '--timeout=30s']);
    server!.kill('SIGTERM');
    await eventually(async () => exitCode !== null, 30_000, 'litekube to stop');
    assert.equal(exitCode, 0);
  });
});
