/**
 * Runs litekube's own containerd as a child process: generated config, output to a log file,
 * ready once its CRI socket answers Version. Stopping signals only that child's pid, so the
 * machine's containerd (or another node agent's) is never touched. Containers outlive a stop:
 * their shims are separate processes, and a restarted containerd picks them up again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CriClient } from '../cri/client.js';
import { containerdConfig, containerdPaths, type ContainerdConfigOptions } from './config.js';

export interface StartContainerdOptions extends ContainerdConfigOptions {
  /** The containerd binary (found on PATH by default). */
  binary?: string;
  /** How long containerd may take to answer Version. */
  startTimeoutMs?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

async function answers(socket: string, timeoutMs: number): Promise<boolean> {
  const client = new CriClient({ socket, timeoutMs });
  try {
    await client.version();
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

// The shim finds runc on PATH; service managers and sudo often leave the sbin dirs out.
function pathWithSbin(path = ''): string {
  const dirs = path.split(':').filter(Boolean);
  for (const d of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) if (!dirs.includes(d)) dirs.push(d);
  return dirs.join(':');
}

export class ContainerdSupervisor {
  readonly socket: string;
  readonly logPath: string;
  /** Settles when the child exits, for whatever reason. */
  readonly exited: Promise<ExitStatus>;
  private status: ExitStatus | undefined;

  private constructor(private readonly child: ChildProcess, paths: { socket: string; log: string }) {
    this.socket = paths.socket;
    this.logPath = paths.log;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.status = { code, signal };
        resolve(this.status);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.status === undefined;
  }

  /** Writes `<dir>/config.toml`, starts containerd on it, and resolves once its socket answers. */
  static async start(options: StartContainerdOptions): Promise<ContainerdSupervisor> {
    const paths = containerdPaths(options.dir);
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    // Someone already serves our socket (a child we lost track of): starting a second containerd
    // on the same root would corrupt it, and killing an unknown process is not ours to do.
    if (await answers(paths.socket, 1000)) throw new Error(`a containerd already answers on ${paths.socket}; stop it first`);
    // It may hold registry credentials.
    await writeFile(paths.config, containerdConfig(options), { mode: 0o600 });
    await chmod(paths.config, 0o600);
    const log = openSync(paths.log, 'a');
    let child: ChildProcess;
    try {
      child = spawn(options.binary ?? 'containerd', ['--config', paths.config], {
        stdio: ['ignore', log, log],
        env: { ...process.env, PATH: pathWithSbin(process.env.PATH) },
      });
    } finally {
      closeSync(log); // the child holds its own copy
    }
    const supervisor = new ContainerdSupervisor(child, paths);
    let spawnError: Error | undefined; // e.g. ENOENT: no containerd binary
    child.once('error', (err) => { spawnError = err; });
    const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
    try {
      for (;;) {
        if (spawnError) throw new Error(`cannot start containerd: ${spawnError.message}`);
        if (!supervisor.running) throw new Error(`containerd exited during start-up (${JSON.stringify(supervisor.status)}); see ${paths.log}`);
        if (await answers(paths.socket, 1000)) return supervisor;
        if (Date.now() > deadline) throw new Error(`containerd did not answer on ${paths.socket} in time; see ${paths.log}`);
        await sleep(100);
      }
    } catch (err) {
      await supervisor.stop();
      throw err;
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited after `timeoutMs`; resolves once it is gone. */
  async stop(timeoutMs = 10_000): Promise<ExitStatus | undefined> {
    if (this.child.pid === undefined) return undefined; // never started
    if (!this.running) return this.status;
    this.child.kill('SIGTERM');
    // The timer is cancelled once the child exits, so it never holds the event loop open.
    const cancel = new AbortController();
    const timer = sleep(timeoutMs, 'timeout' as const, { signal: cancel.signal }).catch(() => 'cancelled' as const);
    const first = await Promise.race([this.exited, timer]);
    cancel.abort();
    if (first === 'timeout' && this.running) this.child.kill('SIGKILL');
    return this.exited;
  }
}
