import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ContainerStatus } from './cri/types.js';
import { terminationMessagePathAnnotation, terminationMessagePolicyAnnotation } from './labels.js';
import { parseCriLogLine } from './logs.js';
import type { RuntimePod } from './runtime-view.js';

/** kubelet's limits: the file's last 4096 bytes; from the log, the last 80 lines and at most 2048 bytes. */
export const maxMessageBytes = 4096;
export const maxLogLines = 80;
export const maxLogBytes = 2048;
/** How much of the log's end is read to find its last lines (the answer keeps 2048 bytes of it). */
const logWindowBytes = 256 * 1024;

/**
 * Creates the empty, world-writable file a container instance's terminationMessagePath is
 * mounted from: `<podDir>/containers/<name>/<random>`, one per instance, as kubelet's makeMounts.
 */
export async function createTerminationMessageFile(podDir: string, containerName: string): Promise<string> {
  const path = join(podDir, 'containers', containerName, randomBytes(4).toString('hex'));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, '');
  // The umask would narrow the mode; any user the container runs as must be able to write it.
  await chmod(path, 0o666);
  return path;
}

/** The host file behind the container's termination-message mount, if it has one. */
export function terminationMessageFile(status: ContainerStatus): string | undefined {
  const path = status.annotations[terminationMessagePathAnnotation];
  if (!path) return undefined;
  return status.mounts.find((m) => m.containerPath === path)?.hostPath;
}

/** Removes an instance's termination-message file (when the instance itself is removed). */
export async function removeTerminationMessageFile(status: ContainerStatus): Promise<void> {
  const file = terminationMessageFile(status);
  if (file) await rm(file, { force: true });
}

/**
 * Puts each exited container's termination message into its status message, as kubelet's
 * convertToKubeContainerStatus: the file's content (its last 4096 bytes), or with
 * FallbackToLogsOnError, an empty file and a failed exit, the end of the container's log.
 * The runtime's own message comes first, joined by ": ".
 */
export async function addTerminationMessages(runtime: RuntimePod): Promise<void> {
  for (const list of runtime.containers.values()) {
    for (const status of list) {
      if (status.state !== 'CONTAINER_EXITED') continue;
      const message = await terminationMessage(status);
      if (message) status.message = status.message ? `${status.message}: ${message}` : message;
    }
  }
}

async function terminationMessage(status: ContainerStatus): Promise<string> {
  const fallback = status.annotations[terminationMessagePolicyAnnotation] === 'FallbackToLogsOnError' && status.exitCode !== 0 && status.reason !== 'ContainerCannotRun';
  const file = terminationMessageFile(status);
  let text = '';
  if (file) {
    try {
      text = (await readTail(file, maxMessageBytes)).data.toString('utf8');
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return `Error on reading termination log ${file}: ${String(error)}`;
    }
  }
  if (text || !fallback) return text;
  return lastLogLines(status.logPath);
}

/** The end of a CRI log file as kubelet's readLastStringFromContainerLogs: its last 80 lines, at most 2048 bytes. */
export async function lastLogLines(path: string): Promise<string> {
  let tail: { data: Buffer; cut: boolean };
  try {
    tail = await readTail(path, logWindowBytes);
  } catch (error: unknown) {
    return `Error on reading termination message from logs: ${String(error)}`;
  }
  const lines = tail.data.toString('utf8').split('\n').filter((l) => l !== '');
  // A window that starts inside the file starts mid-line: drop that partial line.
  const whole = tail.cut ? lines.slice(1) : lines;
  const text = whole.slice(-maxLogLines).map(parseCriLogLine).filter((l) => l !== undefined).map((l) => l.text + (l.full ? '\n' : '')).join('');
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length > maxLogBytes ? bytes.subarray(bytes.length - maxLogBytes).toString('utf8') : text;
}

/** The last `max` bytes of a file (tail.ReadAtMost); `cut` when the file is longer. */
async function readTail(path: string, max: number): Promise<{ data: Buffer; cut: boolean }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, max);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return { data: buffer, cut: size > max };
  } finally {
    await handle.close();
  }
}
