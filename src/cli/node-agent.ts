import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Client } from '../client/index.js';
import { writeCniConfig } from '../kubelet/containerd/cni.js';
import { containerdPaths, nodeContainerdDir } from '../kubelet/containerd/config.js';
import { loadRegistries, registryAuths, writeHostsDir } from '../kubelet/containerd/registries.js';
import { ContainerdSupervisor } from '../kubelet/containerd/supervisor.js';
import { CriClient } from '../kubelet/cri/client.js';
import { busyboxFiles } from '../kubelet/images/busybox.js';
import { importImage } from '../kubelet/images/import.js';
import { buildImage } from '../kubelet/images/oci.js';
import { importPauseImage } from '../kubelet/images/pause.js';
import { Kubelet, sampleMachine, podAttachSource, podExecSource, podLogSource, podPortForwardSource } from '../kubelet/index.js';
import type { PodLogSource } from '../api/logs.js';
import type { PodExecSource } from '../api/exec.js';
import type { PodPortForwardSource } from '../api/portforward.js';

type Log = (message: string, fields?: Record<string, unknown>) => void;

export interface NodeAgentOptions {
  /** The node's name (default: this host's name). */
  nodeName?: string;
  /** The node's pod range (default 10.42.0.0/24). */
  podCIDR?: string;
  /** Bridge device (default litekube0); tests use their own. */
  bridge?: string;
  /** The service range, routed to the bridge before any pod starts (default 10.43.0.0/16). */
  serviceCIDR?: string;
  /** The cgroup pods go under (default /litekube). */
  cgroupParent?: string;
  /** Shorter crash-loop back-off for tests. */
  backOffInitialMs?: number;
}

/** What the node agent needs from the OS, as Debian package and a file that proves it is there. */
const packages: Array<{ name: string; present: () => boolean }> = [
  { name: 'containerd', present: () => onPath('containerd') },
  { name: 'runc', present: () => onPath('runc') },
  { name: 'containernetworking-plugins', present: () => existsSync('/usr/lib/cni/bridge') },
  { name: 'busybox-static', present: () => existsSync('/bin/busybox') },
  { name: 'nftables', present: () => onPath('nft') },
];

function onPath(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

/** Installs missing packages on Debian/Ubuntu as root, saying what; elsewhere stops with the command to run. */
export function ensureOsPackages(say: (line: string) => void): void {
  const missing = packages.filter((p) => !p.present()).map((p) => p.name);
  if (missing.length === 0) return;
  const command = `apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    throw new Error(`Cannot start the node agent: missing ${missing.join(', ')}. Install them as root with: ${command}`);
  }
  say(`Installing ${missing.join(', ')} (${command})`);
  const result = spawnSync('sh', ['-c', `DEBIAN_FRONTEND=noninteractive ${command}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`Cannot start the node agent: "${command}" failed (exit ${result.status ?? 'signal'})`);
}

function ip(args: string[]): { ok: boolean; stderr: string } {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  return { ok: result.status === 0, stderr: result.stderr };
}

/**
 * The bridge with the pod gateway address, and the service range routed to it, before any pod
 * starts: an address with no pod behind it never leaves the machine.
 */
export function prepareBridge(bridge: string, podCIDR: string, serviceCIDR: string): void {
  const [network, bits] = podCIDR.split('/');
  const gateway = `${network!.split('.').slice(0, 3).join('.')}.1/${bits}`;
  if (!ip(['link', 'show', bridge]).ok) {
    const added = ip(['link', 'add', bridge, 'type', 'bridge']);
    if (!added.ok) throw new Error(`Cannot create bridge ${bridge}: ${added.stderr.trim()}`);
  }
  ip(['addr', 'replace', gateway, 'dev', bridge]);
  ip(['link', 'set', bridge, 'up']);
  const routed = ip(['route', 'replace', serviceCIDR, 'dev', bridge]);
  if (!routed.ok) throw new Error(`Cannot route ${serviceCIDR} to ${bridge}: ${routed.stderr.trim()}`);
}

/** The applets of the `litekube.local/busybox` image users can run offline. */
const busyboxApplets = ['sh', 'ash', 'cat', 'echo', 'env', 'hostname', 'httpd', 'ls', 'mkdir', 'nc', 'ping', 'ps', 'seq', 'sleep', 'tail', 'test', 'true', 'false', 'wget', 'date', 'id', 'top', 'grep', 'touch', 'rm',
  'tar', 'dd', 'df', 'mount', 'head', 'stty', 'wc', 'sed', 'awk', 'tr', 'cut', 'cp', 'mv', 'ln', 'chmod', 'kill', 'find', 'sort', 'uname', 'xargs', 'basename', 'dirname'];
export const busyboxReference = 'litekube.local/busybox:latest';

export interface NodeAgent {
  nodeName: string;
  /** Images built and imported at start, usable without a registry. */
  localImages: string[];
  /** The kubelet's log endpoint, served in-process. */
  logs: PodLogSource;
  /** The kubelet's exec endpoint, served in-process. */
  exec: PodExecSource;
  /** The kubelet's attach endpoint, served in-process. */
  attach: PodExecSource;
  /** The kubelet's port-forward endpoint, served in-process. */
  portForward: PodPortForwardSource;
  stop(): Promise<void>;
}

/**
 * The node agent of `litekube up`: containerd as a supervised child with our config, CNI on our
 * bridge, the pause and busybox images built here, and the kubelet. Stopping leaves running
 * containers running (shims survive containerd); the next start re-adopts them.
 */
export async function startNodeAgent(dataDir: string, client: Client, options: NodeAgentOptions, log: Log, say: (line: string) => void): Promise<NodeAgent> {
  // A bad registries.yaml stops the start before anything changes on the machine.
  const registries = await loadRegistries(dataDir);
  ensureOsPackages(say);
  const nodeName = (options.nodeName ?? hostname()).toLowerCase();
  const podCIDR = options.podCIDR ?? '10.42.0.0/24';
  const bridge = options.bridge ?? 'litekube0';
  prepareBridge(bridge, podCIDR, options.serviceCIDR ?? '10.43.0.0/16');
  const containerdDir = nodeContainerdDir(dataDir);
  const paths = containerdPaths(containerdDir);
  await writeCniConfig(paths.cniConfDir, { podCIDR, bridge, network: 'litekube', ipamDataDir: join(dataDir, 'cni', 'ipam') });
  await writeHostsDir(paths.hostsDir, registries);
  const supervisor = await ContainerdSupervisor.start({ dir: containerdDir, registry: { configPath: paths.hostsDir, auths: registryAuths(registries) } });
  const runtime = new CriClient({ socket: paths.socket, timeoutMs: 30_000 });
  const abort = new AbortController();
  let running: Promise<void> | undefined;
  const kubeletDir = join(dataDir, 'kubelet');
  try {
    await importPauseImage({ socket: paths.socket });
    await importImage(buildImage({ reference: busyboxReference, cmd: ['sh'], files: busyboxFiles(busyboxApplets) }).archive, { socket: paths.socket });
    await mkdir(kubeletDir, { recursive: true });
    const kubelet = new Kubelet({
      client, runtime, nodeName, podCIDR, dataDir: kubeletDir, log,
      capacity: { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024 / 1024)}Mi`, pods: '110' },
      machine: () => sampleMachine(kubeletDir),
      cgroupParent: options.cgroupParent ?? '/litekube',
      backOffInitialMs: options.backOffInitialMs,
    });
    running = kubelet.run(abort.signal);
  } catch (error: unknown) {
    runtime.close();
    await supervisor.stop();
    throw error;
  }
  return {
    nodeName,
    localImages: [busyboxReference],
    logs: podLogSource(kubeletDir, runtime),
    exec: podExecSource({ socket: paths.socket, fifoDir: join(containerdDir, 'exec-fifo') }, runtime),
    attach: podAttachSource(runtime),
    portForward: podPortForwardSource(runtime),
    async stop() {
      abort.abort();
      await running;
      runtime.close();
      await supervisor.stop();
    },
  };
}
