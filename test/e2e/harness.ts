import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type Cluster, type ClusterOptions } from '../../src/cli/cluster.js';

/** The kubectl to drive: $KUBECTL, the 1.32 binary of this machine, or kubectl on PATH. */
export function kubectlBinary(): string {
  if (process.env.KUBECTL) return process.env.KUBECTL;
  const pinned = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
  return existsSync(pinned) ? pinned : 'kubectl';
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A litekube control plane in this process, on a free port with a temporary data dir. */
export class TestCluster {
  private constructor(readonly dataDir: string, private cluster: Cluster, private readonly options: Partial<ClusterOptions> = {}) {}

  get plane(): Cluster['plane'] {
    return this.cluster.plane;
  }

  /** The simulated nodes of this cluster (started with `simulatedNodes`). */
  get simulated(): Cluster['simulated'] {
    return this.cluster.simulated;
  }

  static async start(options: Partial<ClusterOptions> = {}): Promise<TestCluster> {
    const dataDir = await mkdtemp(join(tmpdir(), 'litekube-e2e-'));
    return new TestCluster(dataDir, await startCluster({ ...options, dataDir, port: 0 }), options);
  }

  get kubeconfig(): string {
    return this.plane.server.kubeconfigPath;
  }

  /** Stops and starts the server on the same data dir (and the same port). */
  async restart(): Promise<void> {
    const port = this.plane.server.port;
    await this.cluster.stop();
    this.cluster = await startCluster({ ...this.options, dataDir: this.dataDir, port });
  }

  /** Runs kubectl against this cluster without blocking the server's event loop. */
  kubectl(args: string[], options: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const child = execFile(kubectlBinary(), args, {
        env: { ...process.env, KUBECONFIG: this.kubeconfig, HOME: this.dataDir, ...options.env },
        timeout: options.timeoutMs ?? 30_000,
        maxBuffer: 32 * 1024 * 1024,
      }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
      if (options.input !== undefined) child.stdin?.end(options.input);
      else child.stdin?.end();
    });
  }

  /** kubectl that must succeed; returns stdout. */
  async ok(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<string> {
    const result = await this.kubectl(args, options);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}${result.stdout}`);
    return result.stdout;
  }

  /** Starts a long-running kubectl (e.g. get -w) and collects its output. */
  spawnKubectl(args: string[]): { output: () => string; stop: () => void } {
    const child = spawn(kubectlBinary(), args, { env: { ...process.env, KUBECONFIG: this.kubeconfig, HOME: this.dataDir } });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    return { output: () => text, stop: () => void child.kill('SIGTERM') };
  }

  async stop(): Promise<void> {
    await this.cluster.stop();
    // A node agent's leftovers (mounts) may still hold the dir: its test cleans up after.
    await rm(this.dataDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Polls until `check` returns a truthy value or the deadline passes. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const nginxPod = `apiVersion: v1
kind: Pod
metadata:
  name: nginx-pod
  labels:
    app: nginx
spec:
  containers:
    - name: nginx
      image: nginx:1.27
      ports:
        - containerPort: 80
`;
