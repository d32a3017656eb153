import type { Duplex } from 'node:stream';
import { type PodExecOptions, type PodExecSession, type PodExecStreams } from '../../api/exec.js';
import { StatusError } from '../errors.js';
import type { Logger } from './context.js';
import { runToStatus } from './exec-channels.js';
import { SpdySession, type SpdyStream } from './spdy/session.js';
import { headerList } from './upgrade.js';

/** The remotecommand version served over SPDY: v4 carries the final Status as JSON, as WebSocket v4/v5 do. */
export const spdyExecProtocol = 'v4.channel.k8s.io';
/** How long the client may take to open all its streams (kubelet's streamCreationTimeout). */
const streamCreationTimeoutMs = 30_000;

/** Picks v4 from X-Stream-Protocol-Version, or refuses as kube's httpstream handshake does. */
export function negotiateSpdyExec(header: string | string[] | undefined): string {
  const offered = headerList(header);
  if (offered.includes(spdyExecProtocol)) return spdyExecProtocol;
  throw new StatusError(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ["${spdyExecProtocol}"]`);
}

/**
 * kubectl's fallback for exec and attach (and what older Go clients speak): after a SPDY/3.1
 * upgrade the client opens one stream per channel, named by its `streamType` header — error,
 * stdin, stdout, stderr, and resize with a tty. Once all are open the command runs; its
 * Status goes on the error stream and every stream is finished.
 */
export function serveSpdyExec(transport: Duplex, session: PodExecSession, options: PodExecOptions, log: Logger): void {
  const expected = new Set(['error', ...(options.stdin ? ['stdin'] : []), ...(options.stdout ? ['stdout'] : []), ...(options.stderr ? ['stderr'] : []), ...(options.tty ? ['resize'] : [])]);
  const opened = new Map<string, SpdyStream>();
  let started = false;
  const spdy = new SpdySession(transport, (stream) => {
    stream.on('error', () => undefined);
    const type = stream.header('streamType') ?? '';
    if (started || !expected.has(type) || opened.has(type)) {
      stream.destroy();
      return;
    }
    opened.set(type, stream);
    if (opened.size === expected.size) {
      started = true;
      clearTimeout(timer);
      void run(spdy, opened, session, options, log);
    }
  });
  const timer = setTimeout(() => {
    log('exec streams not opened in time', { opened: [...opened.keys()] });
    spdy.close();
  }, streamCreationTimeoutMs);
  timer.unref();
  spdy.onClose(() => clearTimeout(timer));
}

async function run(spdy: SpdySession, opened: Map<string, SpdyStream>, session: PodExecSession, options: PodExecOptions, log: Logger): Promise<void> {
  const abort = new AbortController();
  const write = (type: string) => (chunk: Buffer): void => {
    const stream = opened.get(type);
    if (stream && !stream.destroyed && !stream.writableEnded) stream.write(chunk);
  };
  const streams: PodExecStreams = { stdout: write('stdout'), stderr: options.tty ? write('stdout') : write('stderr') };
  const stdin = opened.get('stdin');
  if (stdin) streams.stdin = stdin;
  const resize = opened.get('resize');
  if (resize) {
    // A stream of JSON objects, one per size: {"Width":80,"Height":24}.
    let pending = '';
    resize.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      for (let end = pending.indexOf('}'); end >= 0; end = pending.indexOf('}')) {
        const text = pending.slice(0, end + 1);
        pending = pending.slice(end + 1);
        try {
          const size = JSON.parse(text) as { Width?: number; Height?: number };
          streams.onResize?.({ width: size.Width ?? 0, height: size.Height ?? 0 });
        } catch {
          // Not a size: ignored, as kubelet logs and goes on.
        }
      }
    });
  }
  spdy.onClose(() => abort.abort());
  const status = await runToStatus(session, streams, abort.signal, options.command, log);
  const errorStream = opened.get('error');
  if (errorStream && !errorStream.destroyed) errorStream.end(status);
  for (const [type, stream] of opened) if (type !== 'error' && !stream.destroyed && !stream.writableEnded) stream.end();
  // Every stream's output must be on the wire (FIN sent) before the session goes.
  const sent = [...opened.values()].map((stream) => new Promise<void>((resolve) => {
    if (stream.destroyed || stream.writableFinished) return resolve();
    stream.once('finish', resolve);
    stream.once('close', resolve);
  }));
  const patience = new Promise<void>((resolve) => setTimeout(resolve, 60_000).unref());
  await Promise.race([Promise.all(sent), patience]);
  spdy.close();
}
