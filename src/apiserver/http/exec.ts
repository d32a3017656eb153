import { PassThrough } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { execContainer, PodExecError, type PodExecOptions, type PodExecSession, type PodExecSource } from '../../api/exec.js';
import { badRequest, methodNotAllowed } from '../errors.js';
import type { Logger, ResourceCall, SubresourceHandler } from './context.js';
import { channel, execProtocols, frame, parseClientMessage, pickProtocol, runToStatus, type ExecProtocol } from './exec-channels.js';
import { booleanParam } from './query.js';
import { negotiateSpdyExec, serveSpdyExec } from './exec-spdy.js';
import { acceptSpdy, headerList, pendingUpgrade, streamRefusal } from './upgrade.js';

export function execOptions(query: URLSearchParams): PodExecOptions {
  const options = streamOptions(query, query.getAll('command'));
  if (options.command.length === 0) throw badRequest('you must specify at least one command for the container');
  return options;
}

/** pods/attach: the same streams, to the container's own process. */
export function attachOptions(query: URLSearchParams): PodExecOptions {
  return streamOptions(query, []);
}

function streamOptions(query: URLSearchParams, command: string[]): PodExecOptions {
  const options: PodExecOptions = {
    command,
    stdin: booleanParam(query, 'stdin'),
    stdout: booleanParam(query, 'stdout'),
    stderr: booleanParam(query, 'stderr'),
    tty: booleanParam(query, 'tty'),
  };
  const container = query.get('container');
  if (container) options.container = container;
  if (!options.stdin && !options.stdout && !options.stderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  // With a terminal, stderr is the terminal too (as in the kubelet).
  if (options.tty) options.stderr = false;
  return options;
}

/**
 * GET|POST pods/{name}/exec: checks the pod, container and options while an error can still be
 * an HTTP answer, then switches to a WebSocket speaking the channel protocol kubectl uses by
 * default (v5, v4), or after a SPDY/3.1 upgrade — kubectl's fallback — with a stream per channel.
 */
export function podExecHandler(source: () => PodExecSource | undefined): SubresourceHandler {
  return streamHandler('exec', execOptions, source);
}

/** GET|POST pods/{name}/attach: as exec, joined to the container's main process. */
export function podAttachHandler(source: () => PodExecSource | undefined): SubresourceHandler {
  return streamHandler('attach', attachOptions, source);
}

function streamHandler(what: string, parse: (query: URLSearchParams) => PodExecOptions, source: () => PodExecSource | undefined): SubresourceHandler {
  const sockets = new WebSocketServer({ noServer: true, handleProtocols: (offered) => pickProtocol(offered) ?? false });
  return async (call: ResourceCall) => {
    if (call.info.verb !== 'get' && call.info.verb !== 'create') throw methodNotAllowed('the server does not allow this method on the requested resource');
    const pod = await call.context.registry.get(call.definition, call.info.namespace, call.info.name ?? '');
    const options = parse(call.query);
    const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    const exec = source();
    let session: PodExecSession;
    try {
      execContainer(pod, options.container);
      if (!nodeName) throw badRequest(`pod ${pod.metadata.name ?? ''} does not have a host assigned`);
      if (!exec) throw badRequest(`no node agent serves ${what} for node ${nodeName}`);
      const upgrade = pendingUpgrade(call.request);
      const headers = call.request.headers;
      const kind = String(headers.upgrade ?? '').toLowerCase();
      if (upgrade && kind === 'spdy/3.1') {
        const spdyProtocol = negotiateSpdyExec(headers['x-stream-protocol-version']);
        session = await exec(pod, options);
        serveSpdyExec(acceptSpdy(upgrade, spdyProtocol), session, options, call.context.log);
        return;
      }
      if (!upgrade || kind !== 'websocket') throw badRequest('Upgrade request required');
      const protocol = pickProtocol(headerList(headers['sec-websocket-protocol']));
      if (!protocol) throw badRequest(`unable to upgrade: no supported subprotocol in ${JSON.stringify(headers['sec-websocket-protocol'] ?? '')}, supported: ${execProtocols.join(', ')}`);
      session = await exec(pod, options);
      upgrade.claim();
      sockets.handleUpgrade(call.request as import('node:http').IncomingMessage, upgrade.socket, upgrade.head, (socket) => {
        void serveSession(socket, protocol, session, options, call.context.log);
      });
    } catch (error: unknown) {
      if (error instanceof PodExecError) throw streamRefusal(error);
      throw error;
    }
  };
}

/** Runs the command with the WebSocket as its terminal: stdin in, output out, then the Status on channel 3. */
async function serveSession(socket: WebSocket, protocol: ExecProtocol, session: PodExecSession, options: PodExecOptions, log: Logger): Promise<void> {
  const abort = new AbortController();
  const stdin = options.stdin ? new PassThrough() : undefined;
  const streams: Parameters<PodExecSession['run']>[0] = {
    stdout: (chunk) => send(channel.stdout, chunk),
    stderr: (chunk) => send(options.tty ? channel.stdout : channel.stderr, chunk),
  };
  if (stdin) streams.stdin = stdin;
  function send(stream: number, data: Buffer): void {
    if (socket.readyState === socket.OPEN) socket.send(frame(stream, data));
  }
  socket.on('message', (data: RawData) => {
    const message = parseClientMessage(Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data), protocol);
    if (message.kind === 'stdin') stdin?.write(message.data);
    else if (message.kind === 'close' && message.stream === channel.stdin) stdin?.end();
    else if (message.kind === 'resize') streams.onResize?.({ width: message.width, height: message.height });
  });
  socket.on('close', () => {
    stdin?.end();
    abort.abort();
  });
  socket.on('error', () => abort.abort());
  const status = await runToStatus(session, streams, abort.signal, options.command, log);
  send(channel.error, Buffer.from(status));
  // A normal closure: kubectl's readers then see EOF rather than an error.
  if (socket.readyState === socket.OPEN) socket.close(1000);
}
