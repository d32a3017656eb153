// What every test with a real node agent shares: whether it can run here, and putting the
// machine back as it was (processes, mounts, bridge, cgroups, ip_forward), which it asserts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { captureHostState, linkNames, pidsMentioning, restoreHostState, unmountUnder, type HostState } from '../../src/kubelet/containerd/host-state.js';
import type { TestCluster } from './harness.js';

/** false when root and containerd are here; otherwise why node tests are skipped. */
export const nodeAgentSkip: string | false = process.getuid?.() === 0 && spawnSync('containerd', ['--version'], { stdio: 'ignore' }).status === 0
  ? false
  : 'needs root and containerd (apt-get install -y containerd runc containernetworking-plugins busybox-static nftables)';

/** kubectl deletions for the way out: controllers first (or they replace pods), then pods (the agent removes their sandboxes). */
export const deleteWorkloads = ['delete', 'deployments,replicasets,jobs,statefulsets,daemonsets', '--all', '--cascade=foreground', '--wait=true', '--timeout=60s'];
export const deletePods = ['delete', 'pods', '--all', '--grace-period=1', '--wait=true', '--timeout=60s'];

/** Processes still in the test's pod cgroups (what a failed test may leave running). */
export function pidsInCgroup(parent: string): number[] {
  const root = join('/sys/fs/cgroup/pids', parent);
  const pids = new Set<number>();
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (line.trim()) pids.add(Number(line));
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(join(dir, entry.name));
  };
  walk(root);
  return [...pids];
}

/** The machine as a node test found it, on its own bridge. */
export class HostGuard {
  private readonly before: HostState;

  constructor(private readonly bridge: string) {
    assert.ok(!linkNames().includes(bridge), `${bridge} exists: another run is active or one leaked it`);
    this.before = captureHostState();
  }

  /**
   * Runs the kubectl deletions, stops the cluster (agent and containerd), then kills, unmounts
   * and restores whatever a failed test left, and asserts there was nothing to do.
   */
  async putBack(cluster: TestCluster | undefined, cgroupParent: string, deletions: string[][] = [deletePods]): Promise<void> {
    let stopError: unknown;
    if (cluster) {
      for (const args of deletions) await cluster.kubectl(args);
      await cluster.stop().catch((error: unknown) => (stopError = error));
    }
    const strays = [...pidsMentioning(cluster?.dataDir ?? '/nonexistent'), ...pidsInCgroup(cgroupParent)];
    for (const pid of strays) process.kill(pid, 'SIGKILL');
    if (strays.length) await sleep(200);
    const mounted = cluster ? unmountUnder(cluster.dataDir) : [];
    const { problems } = restoreHostState(this.before, [this.bridge]);
    if (cluster) await rm(cluster.dataDir, { recursive: true, force: true });
    assert.deepEqual({ strays, mounted, problems, stopError }, { strays: [], mounted: [], problems: [], stopError: undefined }, 'the machine is as it was');
  }
}
