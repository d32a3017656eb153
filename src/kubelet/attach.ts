import { WebSocket, type RawData } from 'ws';
import { execContainer, PodExecError, type PodExecSource, type PodExecStreams } from '../api/exec.js';
import type { ContainerRuntime } from './cri/types.js';
import { containerNameLabel, podUidLabel } from './labels.js';

/** The channel protocol containerd's streaming server speaks (kubelet's remotecommand, v4). */
const streamingProtocol = 'v4.channel.k8s.io';
const channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4 } as const;

/**
 * Attaches to a container's own process as the kubelet does: CRI Attach gives a one-time URL
 * on the runtime's streaming server, spoken to in the WebSocket channel protocol.
 */
export function podAttachSource(runtime: ContainerRuntime): PodExecSource {
  return async (pod, options) => {
    const name = execContainer(pod, options.container);
    const found = await runtime.listContainers({ labelSelector: { [podUidLabel]: pod.metadata.uid ?? '', [containerNameLabel]: name } });
    const running = found.find((c) => c.state === 'CONTAINER_RUNNING');
    if (!running) throw new PodExecError(400, `container ${name} is not running`);
    return {
      async run(streams, signal) {
        // kubectl sends its terminal size as soon as it connects, likely before the runtime's socket opens.
        let size: { width: number; height: number } | undefined;
        streams.onResize = (latest) => (size = latest);
        const url = await runtime.attach(running.id, { stdin: options.stdin, tty: options.tty, stdout: options.stdout, stderr: options.stderr && !options.tty })
          .catch((error: unknown) => {
            throw new PodExecError(500, `error attaching to container: ${error instanceof Error ? error.message : String(error)}`);
          });
        if (signal.aborted) return { exitCode: 0 };
        return relay(url.replace(/^http/, 'ws'), streams, signal, () => size);
      },
    };
  };
}

/** Joins kubectl's streams to the runtime's: output and the final status in, stdin and sizes out. */
function relay(url: string, streams: PodExecStreams, signal: AbortSignal, initialSize: () => { width: number; height: number } | undefined): Promise<{ exitCode: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, [streamingProtocol]);
    let status: { status?: string; message?: string } | undefined;
    const send = (id: number, data: Buffer): void => {
      if (socket.readyState === socket.OPEN) socket.send(Buffer.concat([Buffer.from([id]), data]));
    };
    const stop = (): void => socket.close(1000);
    signal.addEventListener('abort', stop, { once: true });
    const resize = ({ width, height }: { width: number; height: number }): void => send(channel.resize, Buffer.from(JSON.stringify({ Width: width, Height: height })));
    socket.on('open', () => {
      streams.stdin?.on('data', (chunk: Buffer) => send(channel.stdin, chunk));
      const size = initialSize();
      if (size) resize(size);
      streams.onResize = resize;
    });
    socket.on('message', (data: RawData) => {
      const message = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      const body = message.subarray(1);
      // The server opens each channel with an empty message: nothing to pass on.
      if (!body.length) return;
      if (message[0] === channel.stdout) streams.stdout(body);
      else if (message[0] === channel.stderr) streams.stderr(body);
      else if (message[0] === channel.error) status = parseStatus(body);
    });
    socket.on('error', (error) => {
      signal.removeEventListener('abort', stop);
      reject(new PodExecError(500, `error attaching to container: ${error.message}`));
    });
    socket.on('close', () => {
      signal.removeEventListener('abort', stop);
      if (status && status.status !== 'Success') reject(new PodExecError(500, status.message ?? 'attach failed'));
      else resolve({ exitCode: 0 });
    });
  });
}

function parseStatus(body: Buffer): { status?: string; message?: string } {
  try {
    return JSON.parse(body.toString('utf8')) as { status?: string; message?: string };
  } catch {
    return { status: 'Failure', message: body.toString('utf8') };
  }
}
