import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { execContainer, PodExecError, type PodExecOptions, type PodExecSource, type PodExecStreams } from '../api/exec.js';
import type { ContainerRuntime } from './cri/types.js';
import { containerNameLabel, podUidLabel } from './labels.js';

/** Where the node's containerd listens and where `ctr` may put an exec's IO FIFOs. */
export interface ExecTarget {
  socket: string;
  /** A directory of ours: ctr's default (/run/containerd/fifo) is the host's containerd's. */
  fifoDir: string;
  /** The CRI plugin's containerd namespace. */
  namespace?: string;
  /** The ctr binary (default: on PATH). */
  ctr?: string;
}

/** The argv of `ctr task exec` for one command; the CRI container id is also its task id. */
export function ctrExecArgs(target: ExecTarget, containerId: string, execId: string, options: Pick<PodExecOptions, 'command' | 'tty'>): string[] {
  return [
    '--address', target.socket, '--namespace', target.namespace ?? 'k8s.io',
    'task', 'exec', '--exec-id', execId, '--fifo-dir', target.fifoDir,
    ...(options.tty ? ['--tty'] : []),
    containerId, ...options.command,
  ];
}

/** Quotes one word for sh, so a tty exec can go through `script -c`. */
function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs commands in pods' containers as the kubelet's exec endpoint does, through `ctr task exec`
 * against the node's containerd. A tty needs a terminal on ctr's side: `script` gives it one.
 */
export function podExecSource(target: ExecTarget, runtime: ContainerRuntime): PodExecSource {
  return async (pod, options) => {
    const name = execContainer(pod, options.container);
    if (options.command.length === 0) throw new PodExecError(400, 'you must specify at least one command for the container');
    const found = await runtime.listContainers({ labelSelector: { [podUidLabel]: pod.metadata.uid ?? '', [containerNameLabel]: name } });
    const running = found.find((c) => c.state === 'CONTAINER_RUNNING');
    if (!running) throw new PodExecError(400, `container not found ("${name}")`);
    return {
      async run(streams, signal) {
        const ctr = [target.ctr ?? 'ctr', ...ctrExecArgs(target, running.id, `exec-${randomUUID()}`, options)];
        return options.tty ? runWithTerminal(ctr, streams, signal) : runPiped(ctr, streams, signal);
      },
    };
  };
}

/** ctr's own failures (exec not possible) print `ctr: …` on stderr and exit 1. */
const ctrFailure = /^ctr: /;

const failed = (text: string): PodExecError => new PodExecError(500, `error executing command in container: ${text.replace(ctrFailure, '').trim()}`);

/** Without a tty: ctr's stdio are the command's. */
function runPiped(argv: string[], streams: PodExecStreams, signal: AbortSignal): Promise<{ exitCode: number }> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: [streams.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  if (streams.stdin) pipeInput(streams.stdin, child.stdin!);
  child.stdout!.on('data', (chunk: Buffer) => streams.stdout(chunk));
  // Held back rather than passed on: a `ctr:` line is ctr saying the exec failed, not the command's output.
  const held: Buffer[] = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    if (held.length || ctrFailure.test(chunk.toString('utf8', 0, 5))) held.push(chunk);
    else streams.stderr(chunk);
  });
  return waitFor(child, signal, (code) => {
    const text = Buffer.concat(held).toString('utf8');
    if (code === 1 && ctrFailure.test(text)) throw failed(text);
    if (text) streams.stderr(Buffer.from(text));
  });
}

/**
 * With a tty: ctr needs a terminal of its own, which `script` provides. That terminal is made raw
 * and told kubectl's size; it passes bytes as they are (the container's terminal already turned
 * \n into \r\n). ctr's stderr, its diagnostics only, goes to fd 3, as does the terminal's name,
 * through which later resizes reach ctr (as SIGWINCH, which it forwards to the container).
 */
async function runWithTerminal(ctr: string[], streams: PodExecStreams, signal: AbortSignal): Promise<{ exitCode: number }> {
  const size = await firstSize(streams, signal);
  const stty = `stty raw -echo -onlcr${size ? ` cols ${size.width} rows ${size.height}` : ''}`;
  const line = `${stty}; echo "pty $(tty)" >&3; exec ${ctr.map(shellQuote).join(' ')} 2>&3 3>&-`;
  // stdin stays open while kubectl's does: at EOF script types an end-of-file into the terminal.
  const child = spawn('script', ['--quiet', '--return', '--command', line, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  if (streams.stdin) pipeInput(streams.stdin, child.stdin!);
  else child.stdin!.on('error', () => undefined);
  child.stdout!.on('data', (chunk: Buffer) => streams.stdout(chunk));
  child.stderr!.on('data', (chunk: Buffer) => streams.stdout(chunk));
  let diagnostics = '';
  let pty: string | undefined;
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
    diagnostics += chunk.toString('utf8');
    const named = /^pty (\/dev\/pts\/\d+)\n/.exec(diagnostics);
    if (named) {
      pty = named[1];
      diagnostics = diagnostics.slice(named[0].length);
    }
  });
  streams.onResize = ({ width, height }) => {
    if (pty) spawn('stty', ['-F', pty, 'cols', String(width), 'rows', String(height)], { stdio: 'ignore' }).on('error', () => undefined);
  };
  try {
    return await waitFor(child, signal, (code) => {
      const failure = diagnostics.split('\n').find((l) => ctrFailure.test(l));
      if (code === 1 && failure) throw failed(failure);
    });
  } finally {
    child.stdin!.end();
  }
}

function pipeInput(from: NodeJS.ReadableStream, to: NodeJS.WritableStream): void {
  // The command may end before reading all input: its closed pipe is not an error of ours.
  to.on('error', () => undefined);
  from.pipe(to);
}

/** kubectl sends the terminal size right after connecting; waits briefly for it. */
function firstSize(streams: PodExecStreams, signal: AbortSignal): Promise<{ width: number; height: number } | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 500);
    signal.addEventListener('abort', () => resolve(undefined), { once: true });
    streams.onResize = (size) => {
      clearTimeout(timer);
      streams.onResize = undefined;
      resolve(size);
    };
  });
}

/** Resolves with the exit code once the child and its pipes are done; `check` may throw for ctr's own failures. */
function waitFor(child: ChildProcess, signal: AbortSignal, check: (code: number | null) => void): Promise<{ exitCode: number }> {
  return new Promise((resolve, reject) => {
    const stop = (): void => {
      // ctr forwards SIGTERM to the command; SIGKILL only if it will not end.
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    };
    if (signal.aborted) stop();
    signal.addEventListener('abort', stop, { once: true });
    child.on('error', (error) => {
      signal.removeEventListener('abort', stop);
      reject(new PodExecError(500, `error executing command in container: ${error.message}`));
    });
    child.on('close', (code, killedBy) => {
      signal.removeEventListener('abort', stop);
      try {
        check(code);
        resolve({ exitCode: code ?? 128 + signalNumber(killedBy) });
      } catch (error: unknown) {
        reject(error);
      }
    });
  });
}

function signalNumber(name: NodeJS.Signals | null): number {
  return name === 'SIGKILL' ? 9 : name === 'SIGTERM' ? 15 : name === 'SIGINT' ? 2 : 1;
}
