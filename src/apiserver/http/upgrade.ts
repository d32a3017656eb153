import { ServerResponse, type IncomingMessage } from 'node:http';
import { PodExecError } from '../../api/exec.js';
import { StatusError } from '../errors.js';
import type { Duplex } from 'node:stream';
import type { ServerRequest } from './body.js';
import type { ServerResponseLike } from './respond.js';

/** An HTTP/1.1 request asking to switch protocols: the raw connection, for the handler that accepts. */
export interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
  /** Detaches the placeholder response, so the socket can be handed to another protocol. */
  claim(): void;
}

// Keyed by request so the router and ResourceCall need not know about upgrades: only the
// handler that can switch protocols (pods/exec) looks for one.
const pending = new WeakMap<object, PendingUpgrade>();

export function pendingUpgrade(request: ServerRequest): PendingUpgrade | undefined {
  return pending.get(request);
}

/**
 * Serves a request that came with `Upgrade:` through the normal router. Node hands such
 * requests over without a response object; a ServerResponse on the raw socket lets every error
 * (authentication, not found, bad container) be answered as an ordinary Status.
 */
export function serveUpgrade(
  router: (request: ServerRequest, response: ServerResponseLike) => Promise<void>,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  const response = new ServerResponse(request);
  // The connection is not reused after an upgrade attempt: it either switches or ends.
  response.shouldKeepAlive = false;
  response.assignSocket(socket as import('node:net').Socket);
  let claimed = false;
  pending.set(request, {
    socket,
    head,
    claim() {
      claimed = true;
      response.detachSocket(socket as import('node:net').Socket);
    },
  });
  socket.on('error', () => socket.destroy());
  response.on('finish', () => {
    if (!claimed) socket.end();
  });
  void router(request, response).finally(() => {
    if (!claimed && !response.writableEnded) response.end();
  });
}

/** A comma-separated header (Sec-WebSocket-Protocol, X-Stream-Protocol-Version) as a list. */
export function headerList(value: string | string[] | undefined): string[] {
  return (Array.isArray(value) ? value.join(',') : value ?? '').split(',').map((p) => p.trim()).filter(Boolean);
}

/** Switches a claimed connection to SPDY/3.1 with the negotiated protocol; returns the raw stream. */
export function acceptSpdy(upgrade: PendingUpgrade, protocol: string): Duplex {
  upgrade.claim();
  upgrade.socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
  if (upgrade.head.length) upgrade.socket.unshift(upgrade.head);
  return upgrade.socket;
}

/** A node agent's refusal (no such container, no sandbox) as the HTTP answer the API gives. */
export function streamRefusal(error: PodExecError): StatusError {
  return new StatusError(error.code, error.code === 404 ? 'NotFound' : error.code === 500 ? 'InternalError' : 'BadRequest', error.message);
}
