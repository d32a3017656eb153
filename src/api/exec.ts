import type { Readable } from 'node:stream';
import type { KubeObject } from './types.js';

/** What `kubectl exec` asks for (core/v1 PodExecOptions). */
export interface PodExecOptions {
  container?: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** A terminal size, as the resize channel sends it. */
export interface TerminalSize {
  width: number;
  height: number;
}

/**
 * The streams of one exec session, seen from the process: stdin flows in (absent unless asked
 * for), output is pushed out as it comes. `onResize` is set by the session when it can act on
 * terminal sizes; the API side calls it for each resize message.
 */
export interface PodExecStreams {
  stdin?: Readable;
  stdout: (chunk: Buffer) => void;
  stderr: (chunk: Buffer) => void;
  onResize?: (size: TerminalSize) => void;
}

/**
 * A command ready to run in a running container. `run` resolves with the command's exit code
 * once it has ended and its output has been passed on; it rejects with a PodExecError when the
 * runtime could not start the command.
 */
export interface PodExecSession {
  run(streams: PodExecStreams, signal: AbortSignal): Promise<{ exitCode: number }>;
}

/**
 * Where a command runs: the node agent that runs the pod. Two steps because the API answers
 * "no such container" as a plain HTTP error, before it switches the connection to a stream:
 * the source finds the container (throwing a PodExecError), the session runs the command.
 */
export type PodExecSource = (pod: KubeObject, options: PodExecOptions) => Promise<PodExecSession>;

export class PodExecError extends Error {
  constructor(readonly code: 400 | 404 | 500, message: string) {
    super(message);
  }
}

/**
 * Which container of the pod, with kube-apiserver's messages when the choice is missing or
 * wrong. Shared: the API server checks before upgrading, the node agent when it runs.
 */
export function execContainer(pod: KubeObject, wanted: string | undefined): string {
  const spec = (pod.spec ?? {}) as { containers?: Array<{ name: string }>; initContainers?: Array<{ name: string }>; ephemeralContainers?: Array<{ name: string }> };
  const names = (spec.containers ?? []).map((c) => c.name);
  const initNames = (spec.initContainers ?? []).map((c) => c.name);
  const podName = pod.metadata.name ?? '';
  if (!wanted) {
    if (names.length === 1) return names[0]!;
    if (names.length === 0) throw new PodExecError(400, `a container name must be specified for pod ${podName}`);
    const initPart = initNames.length ? ` or one of the init containers: [${initNames.join(' ')}]` : '';
    throw new PodExecError(400, `a container name must be specified for pod ${podName}, choose one of: [${names.join(' ')}]${initPart}`);
  }
  const all = [...names, ...initNames, ...(spec.ephemeralContainers ?? []).map((c) => c.name)];
  if (!all.includes(wanted)) throw new PodExecError(400, `container ${wanted} is not valid for pod ${podName}`);
  return wanted;
}
