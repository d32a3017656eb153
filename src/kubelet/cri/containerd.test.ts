// End to end against a real containerd: our config, our CNI bridge, our images, our CRI client.
// Everything runs under a temp dir with a test-only bridge and podCIDR, and the machine is put
// back as it was found (bridge, cgroups, mounts, dirs, ip_forward), which the test asserts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CriClient } from './client.js';
import type { ContainerConfig, ContainerStatus, PodSandboxConfig } from './types.js';
import { ContainerdSupervisor } from '../containerd/supervisor.js';
import { containerdPaths } from '../containerd/config.js';
import { writeCniConfig } from '../containerd/cni.js';
import { captureHostState, linkNames, pidsMentioning, restoreHostState, unmountUnder } from '../containerd/host-state.js';
import { buildImage } from '../images/oci.js';
import { busyboxFiles } from '../images/busybox.js';
import { importImage } from '../images/import.js';
import { importPauseImage } from '../images/pause.js';

const bridge = 'litekube-test0';
const podCIDR = '10.42.250.0/24';
const testImage = 'litekube.local/busybox:test';
const hasContainerd = spawnSync('containerd', ['--version'], { stdio: 'ignore' }).status === 0;
const netnsDirs = ['/run/netns', '/var/run/netns'];

function listNetns(): string[] {
  return netnsDirs.flatMap((d) => (existsSync(d) ? readdirSync(d).map((n) => join(d, n)) : []));
}

async function waitExited(client: CriClient, id: string, timeoutMs = 15_000): Promise<ContainerStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await client.containerStatus(id);
    if (status.state === 'CONTAINER_EXITED') return status;
    if (Date.now() > deadline) throw new Error(`container ${id} still ${status.state}`);
    await sleep(50);
  }
}

test('containerd CRI: sandbox gets a pod IP, containers run, exit codes and logs, 127.0.0.1 within a pod, full cleanup', {
  skip: hasContainerd ? false : 'containerd is not installed (apt-get install -y containerd runc containernetworking-plugins busybox-static)',
  timeout: 240_000,
}, async (t) => {
  assert.ok(!linkNames().includes(bridge), `${bridge} exists: another run is active or a previous one leaked it`);
  const before = captureHostState();
  const netnsBefore = listNetns();
  const dir = await mkdtemp('/tmp/litekube-cri-');
  const paths = containerdPaths(dir);
  let supervisor: ContainerdSupervisor | undefined;
  let client: CriClient | undefined;
  try {
    await writeCniConfig(paths.cniConfDir, { podCIDR, bridge, network: 'litekube-test', ipamDataDir: join(dir, 'cni', 'ipam') });
    let start = Date.now();
    supervisor = await ContainerdSupervisor.start({ dir });
    t.diagnostic(`containerd ready in ${Date.now() - start} ms`);
    start = Date.now();
    await importPauseImage({ socket: paths.socket, snapshotter: 'overlayfs' });
    const busybox = buildImage({ reference: testImage, entrypoint: ['/bin/sh'], files: busyboxFiles(['sh', 'echo', 'nc', 'sleep', 'seq', 'cat']) });
    await importImage(busybox.archive, { socket: paths.socket, snapshotter: 'overlayfs' });
    t.diagnostic(`images imported in ${Date.now() - start} ms`);

    client = new CriClient({ socket: paths.socket, timeoutMs: 30_000 });
    const cri = client;
    const version = await cri.version();
    assert.equal(version.runtimeName, 'containerd');
    assert.equal(version.runtimeApiVersion, 'v1');
    const image = await cri.imageStatus(testImage);
    assert.ok(image, 'imported test image is visible over CRI');
    assert.ok(image.repoTags.includes(testImage));
    assert.equal(image.id, busybox.configDigest);
    assert.equal(await cri.imageStatus('litekube.local/absent:1'), undefined);
    assert.ok((await cri.listImages()).some((i) => i.repoTags.includes('litekube.local/pause:3.10')));

    const sandboxConfig: PodSandboxConfig = {
      metadata: { name: 'cri-test', uid: randomUUID(), namespace: 'default', attempt: 0 },
      hostname: 'cri-test',
      logDirectory: join(dir, 'pods', 'cri-test'),
      labels: { app: 'cri-test' },
      // Our own cgroup parent, so the test's cgroups are easy to find and remove.
      linux: { cgroupParent: `/litekube-test-${process.pid}` },
    };
    start = Date.now();
    const sandboxId = await cri.runPodSandbox(sandboxConfig);
    const sandboxMs = Date.now() - start;
    const status = await cri.podSandboxStatus(sandboxId);
    assert.equal(status.state, 'SANDBOX_READY');
    assert.match(status.network?.ip ?? '', /^10\.42\.250\.\d+$/);
    assert.equal(status.metadata.name, 'cri-test');
    assert.deepEqual((await cri.listPodSandbox({ labelSelector: { app: 'cri-test' } })).map((s) => s.id), [sandboxId]);

    const container = (name: string, script: string): ContainerConfig => ({
      metadata: { name, attempt: 0 },
      image: { image: testImage },
      command: ['sh', '-c', script],
      logPath: `${name}/0.log`,
      labels: { container: name },
    });
    start = Date.now();
    const exiter = await cri.createContainer(sandboxId, container('exiter', 'echo hello; exit 3'), sandboxConfig);
    await cri.startContainer(exiter);
    const containerMs = Date.now() - start;
    const exited = await waitExited(cri, exiter);
    assert.equal(exited.exitCode, 3);
    assert.equal(exited.metadata.name, 'exiter');
    assert.match(await readFile(join(sandboxConfig.logDirectory, 'exiter/0.log'), 'utf8'), /stdout F hello\n/);

    // Two containers of one pod share its network namespace: the second reaches the first on 127.0.0.1.
    const server = await cri.createContainer(sandboxId, container('server', 'echo pong | nc -l -p 8080'), sandboxConfig);
    await cri.startContainer(server);
    const caller = await cri.createContainer(sandboxId,
      container('caller', 'for i in $(seq 1 100); do nc 127.0.0.1 8080 && exit 0; sleep 0.1; done; exit 1'), sandboxConfig);
    await cri.startContainer(caller);
    assert.equal((await waitExited(cri, caller)).exitCode, 0);
    assert.match(await readFile(join(sandboxConfig.logDirectory, 'caller/0.log'), 'utf8'), /stdout F pong\n/);

    const listed = await cri.listContainers({ podSandboxId: sandboxId });
    assert.deepEqual(listed.map((c) => c.metadata.name).sort(), ['caller', 'exiter', 'server']);
    for (const id of [exiter, server, caller]) {
      await cri.stopContainer(id, 2);
      await cri.removeContainer(id);
    }
    assert.deepEqual(await cri.listContainers({ podSandboxId: sandboxId }), []);
    await cri.stopPodSandbox(sandboxId);
    await cri.removePodSandbox(sandboxId);
    assert.deepEqual(await cri.listPodSandbox(), []);
    await assert.rejects(cri.podSandboxStatus(sandboxId), /not found|does not exist/i);
    t.diagnostic(`sandbox start ${sandboxMs} ms, container create+start ${containerMs} ms`);
  } finally {
    // Best effort, in dependency order: pods, containerd, stray shims, mounts, files, host state.
    if (client) {
      for (const s of await client.listPodSandbox().catch(() => [])) {
        await client.stopPodSandbox(s.id).catch(() => undefined);
        await client.removePodSandbox(s.id).catch(() => undefined);
      }
      client.close();
    }
    await supervisor?.stop();
    const strays = pidsMentioning(dir);
    for (const pid of strays) process.kill(pid, 'SIGKILL');
    if (strays.length) await sleep(200);
    const mounted = unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
    const { undone, problems } = restoreHostState(before, [bridge]);
    t.diagnostic(`undone on the host: ${undone.join('; ') || 'nothing'}`);
    const newNetns = listNetns().filter((n) => !netnsBefore.includes(n));
    assert.deepEqual({ strays, mounted, problems, newNetns }, { strays: [], mounted: [], problems: [], newNetns: [] });
  }
});
