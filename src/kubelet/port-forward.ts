import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { PodExecError } from '../api/exec.js';
import type { PodPortDialer, PodPortForwardSource } from '../api/portforward.js';
import type { ContainerRuntime } from './cri/types.js';
import { podUidLabel } from './labels.js';

/** The programs a connection runs through: nsenter (util-linux) and busybox's nc (busybox-static). */
export interface PortForwardTools {
  nsenter?: string;
  busybox?: string;
}

/**
 * Reaches pods' ports as the kubelet's port forwarding does: a connection to localhost inside
 * the pod's network namespace, so servers bound to 127.0.0.1 answer too. Node cannot enter a
 * namespace itself; each connection is `nsenter --net` running `nc` (as dockershim ran socat).
 */
export function podPortForwardSource(runtime: ContainerRuntime, tools: PortForwardTools = {}): PodPortForwardSource {
  return async (pod) => {
    const uid = pod.metadata.uid ?? '';
    const sandboxes = await runtime.listPodSandbox({ labelSelector: { [podUidLabel]: uid } });
    const ready = sandboxes.filter((s) => s.state === 'SANDBOX_READY').sort((a, b) => b.createdAt - a.createdAt)[0];
    if (!ready) throw new PodExecError(400, `pod ${pod.metadata.name ?? ''} has no running sandbox to forward ports to`);
    const info = await runtime.podSandboxInfo(ready.id);
    const pid = sandboxPid(info);
    if (!pid) throw new PodExecError(500, `cannot find the network namespace of pod sandbox ${ready.id}`);
    return { podSandboxId: ready.id, dial: dialer(pid, tools) };
  };
}

/** containerd's verbose sandbox status: `info` is JSON with the sandbox's pid. */
export function sandboxPid(info: Record<string, string>): number | undefined {
  try {
    const parsed = JSON.parse(info.info ?? '{}') as { pid?: unknown };
    return typeof parsed.pid === 'number' && parsed.pid > 0 ? parsed.pid : undefined;
  } catch {
    return undefined;
  }
}

function dialer(pid: number, tools: PortForwardTools): PodPortDialer {
  return (port) => {
    const child = spawn(tools.nsenter ?? 'nsenter', ['--target', String(pid), '--net', '--', tools.busybox ?? 'busybox', 'nc', '127.0.0.1', String(port)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdin.on('error', () => undefined);
    const connection = new Duplex({
      allowHalfOpen: true,
      read: () => child.stdout.resume(),
      write: (chunk: Buffer, _encoding, callback) => {
        if (child.stdin.write(chunk)) return callback();
        // nc may exit instead of draining: either settles the write.
        const settle = (): void => {
          child.stdin.off('drain', settle);
          child.stdin.off('close', settle);
          callback();
        };
        child.stdin.once('drain', settle);
        child.stdin.once('close', settle);
      },
      final: (callback) => {
        // nc shuts down its sending side when its input ends: the pod's server sees EOF.
        child.stdin.end();
        callback();
      },
      destroy: (error, callback) => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        callback(error);
      },
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (!connection.push(chunk)) child.stdout.pause();
    });
    child.on('error', (error) => connection.destroy(new Error(`failed to run nsenter: ${error.message}`)));
    // The end of the output waits for the exit status, so a refused connection is reported as
    // an error and not as an empty answer.
    child.on('close', (code) => {
      if (connection.destroyed) return;
      if (code !== 0 && code !== null) connection.destroy(new Error(connectFailure(port, stderr)));
      else connection.push(null);
    });
    return connection;
  };
}

/** nc says `nc: can't connect to remote host (127.0.0.1): Connection refused`; kubelet's words are kept around it. */
function connectFailure(port: number, stderr: string): string {
  const reason = /: ([^:\n]+)\s*$/.exec(stderr.trim())?.[1]?.toLowerCase() ?? (stderr.trim() || 'connection failed');
  return `failed to connect to localhost:${port} inside the pod's network namespace: dial tcp4 127.0.0.1:${port}: connect: ${reason}`;
}
