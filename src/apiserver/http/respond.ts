import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { internalError, StatusError } from '../errors.js';

export type ServerResponseLike = ServerResponse | Http2ServerResponse;

/** Sends a JSON body with a status code and optional Warning headers (299, as kube-apiserver). */
export function sendJson(response: ServerResponseLike, code: number, body: unknown, warnings: string[] = [], contentType = 'application/json'): void {
  sendRawJson(response, code, JSON.stringify(body), warnings, contentType);
}

/** Sends JSON that is already text. */
export function sendRawJson(response: ServerResponseLike, code: number, text: string, warnings: string[] = [], contentType = 'application/json'): void {
  if (response.headersSent) return;
  const headers: Record<string, string | string[]> = {
    'content-type': contentType,
    'cache-control': 'no-cache, private',
    'content-length': String(Buffer.byteLength(text)),
  };
  if (warnings.length) headers.warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  response.writeHead(code, headers);
  response.end(text);
}

/** Sends a Status for any thrown value: StatusError as is, anything else as a 500 (logged). */
export function sendError(response: ServerResponseLike, error: unknown, log: (message: string, fields: Record<string, unknown>) => void): void {
  let statusError: StatusError;
  if (error instanceof StatusError) statusError = error;
  else {
    log('request failed', { error: error instanceof Error ? error.stack ?? error.message : String(error) });
    statusError = internalError(error instanceof Error ? error.message : String(error));
  }
  sendJson(response, statusError.code, statusError.toStatus());
}

export function sendText(response: ServerResponseLike, code: number, text: string): void {
  if (response.headersSent) return;
  response.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
  response.end(text);
}
