import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { PodExecError } from '../../api/exec.js';
import type { PodPortDialer, PodPortForwardSource } from '../../api/portforward.js';
import { badRequest, methodNotAllowed, StatusError } from '../errors.js';
import type { Logger, ResourceCall, SubresourceHandler } from './context.js';
import { SpdySession, type SpdyStream } from './spdy/session.js';
import { acceptSpdy, headerList, pendingUpgrade, streamRefusal } from './upgrade.js';

/** The port-forward protocol kubectl speaks inside SPDY, and its WebSocket tunnel's name. */
const portForwardProtocol = 'portforward.k8s.io';
const tunnelProtocol = `SPDY/3.1+${portForwardProtocol}`;
/** How long a request's data stream may lag its error stream (kubelet's streamCreationTimeout). */
const streamPairTimeoutMs = 30_000;

/**
 * GET|POST pods/{name}/portforward: kubectl 1.32 first asks for a WebSocket carrying SPDY
 * (`SPDY/3.1+portforward.k8s.io`), then falls back to a plain SPDY/3.1 upgrade; both are served.
 * Each local connection becomes an error stream and a data stream sharing a requestID; the data
 * stream is joined to a connection the node agent opens inside the pod's network namespace.
 */
export function podPortForwardHandler(source: () => PodPortForwardSource | undefined): SubresourceHandler {
  const sockets = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (offered.has(tunnelProtocol) ? tunnelProtocol : false) });
  return async (call: ResourceCall) => {
    if (call.info.verb !== 'get' && call.info.verb !== 'create') throw methodNotAllowed('the server does not allow this method on the requested resource');
    const pod = await call.context.registry.get(call.definition, call.info.namespace, call.info.name ?? '');
    for (const port of call.query.getAll('ports')) {
      const value = Number(port);
      if (!Number.isInteger(value) || value < 1 || value > 65535) throw badRequest(`port ${port} must be in the range 1 - 65535`);
    }
    const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    if (!nodeName) throw badRequest(`pod ${pod.metadata.name ?? ''} does not have a host assigned`);
    const forward = source();
    if (!forward) throw badRequest(`no node agent serves port forwarding for node ${nodeName}`);
    const upgrade = pendingUpgrade(call.request);
    const headers = call.request.headers;
    const kind = String(headers.upgrade ?? '').toLowerCase();
    if (!upgrade || (kind !== 'websocket' && kind !== 'spdy/3.1')) throw badRequest('Upgrade request required');
    if (kind === 'websocket' && !headerList(headers['sec-websocket-protocol']).includes(tunnelProtocol)) {
      throw new StatusError(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(headerList(headers['sec-websocket-protocol']))}, server supports ["${tunnelProtocol}"]`);
    }
    const offered = headerList(headers['x-stream-protocol-version']);
    if (kind === 'spdy/3.1' && offered.length && !offered.includes(portForwardProtocol)) {
      throw new StatusError(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ["${portForwardProtocol}"]`);
    }
    let target: Awaited<ReturnType<PodPortForwardSource>>;
    try {
      target = await forward(pod);
    } catch (error: unknown) {
      if (error instanceof PodExecError) throw streamRefusal(error);
      throw error;
    }
    const serve = (transport: import('node:stream').Duplex): void => {
      const pairs = new StreamPairs(target.podSandboxId, target.dial, call.context.log);
      const session = new SpdySession(transport, (stream) => pairs.add(stream));
      session.onClose(() => pairs.closeAll());
    };
    if (kind === 'websocket') {
      upgrade.claim();
      sockets.handleUpgrade(call.request as IncomingMessage, upgrade.socket, upgrade.head, (socket) => serve(createWebSocketStream(socket)));
      return;
    }
    serve(acceptSpdy(upgrade, portForwardProtocol));
  };
}

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** Joins each request's error and data streams, then the data stream to the pod's port. */
class StreamPairs {
  private readonly pairs = new Map<string, Pair>();
  private readonly open = new Set<SpdyStream>();

  constructor(private readonly podSandboxId: string, private readonly dial: PodPortDialer, private readonly log: Logger) {}

  add(stream: SpdyStream): void {
    this.open.add(stream);
    stream.on('close', () => this.open.delete(stream));
    stream.on('error', () => undefined);
    const type = stream.header('streamType');
    if (type !== 'error' && type !== 'data') {
      stream.destroy();
      return;
    }
    // Clients older than requestID pair streams by id: data follows its error stream by 2.
    const requestId = stream.header('requestID') ?? String(type === 'error' ? stream.id : stream.id - 2);
    let pair = this.pairs.get(requestId);
    if (!pair) {
      pair = { timer: setTimeout(() => this.expire(requestId), streamPairTimeoutMs) };
      pair.timer.unref();
      this.pairs.set(requestId, pair);
    }
    pair[type] = stream;
    if (pair.error && pair.data) {
      clearTimeout(pair.timer);
      this.pairs.delete(requestId);
      this.forward(pair.error, pair.data);
    }
  }

  closeAll(): void {
    for (const pair of this.pairs.values()) clearTimeout(pair.timer);
    this.pairs.clear();
    for (const stream of this.open) stream.destroy();
  }

  private expire(requestId: string): void {
    const pair = this.pairs.get(requestId);
    this.pairs.delete(requestId);
    if (pair?.error && !pair.error.destroyed) pair.error.end('timed out waiting for streams');
    pair?.data?.destroy();
  }

  private forward(errorStream: SpdyStream, dataStream: SpdyStream): void {
    // The client writes nothing on the error stream; its FIN must still be read.
    errorStream.resume();
    const portText = dataStream.header('port') ?? '';
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      errorStream.end(`invalid port: ${JSON.stringify(portText)}`);
      dataStream.destroy();
      return;
    }
    const connection = this.dial(port);
    let failed = false;
    connection.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the answer was read (kubectl drops its streams) is not a failure.
      if (failed || error.code === 'ERR_STREAM_PREMATURE_CLOSE') return;
      failed = true;
      const message = `error forwarding port ${port} to pod ${this.podSandboxId}, uid : ${error.message}`;
      this.log('port-forward failed', { port, error: error.message });
      if (!errorStream.destroyed) errorStream.end(message);
      dataStream.destroy();
    });
    // As containerd forwards: once one direction is done the other gets a second, then both close.
    let closing = false;
    const closeSoon = (): void => {
      if (closing) return;
      closing = true;
      setTimeout(() => {
        connection.destroy();
        if (!dataStream.destroyed && !dataStream.writableEnded) dataStream.end();
        if (!errorStream.destroyed && !errorStream.writableEnded) errorStream.end();
      }, 1000).unref();
    };
    pipeline(dataStream, connection, () => closeSoon());
    pipeline(connection, dataStream, (error) => {
      if (!error && !failed && !errorStream.destroyed && !errorStream.writableEnded) errorStream.end();
      closeSoon();
    });
  }
}
