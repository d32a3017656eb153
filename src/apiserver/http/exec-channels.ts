/**
 * The remotecommand channel protocol over WebSocket (k8s.io/apimachinery
 * pkg/util/remotecommand, v4/v5): every binary message starts with its stream's byte. Pure
 * functions, so the framing and the Status texts kubectl parses are testable without a socket;
 * and the run that ends with that Status, shared with the SPDY transport.
 */
import { PodExecError, type PodExecSession, type PodExecStreams } from '../../api/exec.js';
import type { Logger } from './context.js';

export const channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** v5 adds the stream-close message (stdin EOF); v4 has none, so stdin then never ends. */
export const execProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;
export type ExecProtocol = (typeof execProtocols)[number];

/** The first protocol the client offers that we speak, as the client lists them in preference order. */
export function pickProtocol(offered: Iterable<string>): ExecProtocol | undefined {
  for (const protocol of offered) {
    if ((execProtocols as readonly string[]).includes(protocol)) return protocol as ExecProtocol;
  }
  return undefined;
}

export function frame(stream: number, data: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([Buffer.from([stream]), data]);
}

/** One message from the client, decoded. */
export type ClientMessage =
  | { kind: 'stdin'; data: Buffer }
  | { kind: 'resize'; width: number; height: number }
  | { kind: 'close'; stream: number }
  | { kind: 'ignored' };

export function parseClientMessage(message: Buffer, protocol: ExecProtocol): ClientMessage {
  if (message.length === 0) return { kind: 'ignored' };
  const stream = message[0]!;
  if (stream === channel.close && protocol === 'v5.channel.k8s.io' && message.length === 2) return { kind: 'close', stream: message[1]! };
  if (stream === channel.stdin) return { kind: 'stdin', data: message.subarray(1) };
  if (stream === channel.resize) {
    // core/v1 TerminalSize is sent with Go's default field names.
    try {
      const size = JSON.parse(message.subarray(1).toString('utf8')) as { Width?: unknown; Height?: unknown };
      if (typeof size.Width === 'number' && typeof size.Height === 'number') return { kind: 'resize', width: size.Width, height: size.Height };
    } catch {
      // A malformed resize is dropped, as the kubelet does.
    }
  }
  return { kind: 'ignored' };
}

/** The metav1.Status the kubelet writes on the error channel when the command ends; kubectl exits with its code. */
export function exitStatus(command: string[], exitCode: number): string {
  if (exitCode === 0) return JSON.stringify({ metadata: {}, status: 'Success' });
  return JSON.stringify({
    metadata: {},
    status: 'Failure',
    // Go's %v of the containerd streaming server's CodeExitError, which prints the argv as [a b c].
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  });
}

/** The Status for a command that could not be run at all (apierrors.NewInternalError). */
export function internalErrorStatus(message: string): string {
  return JSON.stringify({
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message }] },
    code: 500,
  });
}

/** Runs the session to its end and gives the Status (JSON) the error channel or stream carries. */
export async function runToStatus(session: PodExecSession, streams: PodExecStreams, signal: AbortSignal, command: string[], log: Logger): Promise<string> {
  try {
    const { exitCode } = await session.run(streams, signal);
    return exitStatus(command, exitCode);
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    if (!(error instanceof PodExecError)) log('exec failed', { error: message });
    return internalErrorStatus(message);
  }
}
