import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { badRequest, tooLarge, unsupportedMediaType } from '../errors.js';

/** kube-apiserver's limit on request bodies. */
export const maxBodyBytes = 3 * 1024 * 1024;

export type ServerRequest = IncomingMessage | Http2ServerRequest;

/** Reads a request body, refusing more than 3 MiB with 413. */
export async function readBody(request: ServerRequest, limit = maxBodyBytes): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? '0');
  if (declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

let yamlModule: typeof import('yaml') | undefined;
let protobufModule: typeof import('../protobuf/decode.js') | undefined;

/** Parses a JSON or YAML body into a value; malformed input is a 400 like upstream's decode errors. */
export async function decodeBody(contentType: string | undefined, body: Buffer): Promise<unknown> {
  const type = mediaType(contentType);
  const text = body.toString('utf8');
  if (type === '' || type === 'application/json' || type === '*/*') {
    return parseJson(text);
  }
  if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') {
    yamlModule ??= await import('yaml');
    try {
      return yamlModule.parse(text, { maxAliasCount: 100 }) as unknown;
    } catch (error: unknown) {
      throw badRequest(`error converting YAML to JSON: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  if (type === 'application/vnd.kubernetes.protobuf') {
    // kubectl's typed clients (create, drain, auth) send protobuf.
    protobufModule ??= await import('../protobuf/decode.js');
    try {
      return protobufModule.decodeKubernetesProtobuf(body);
    } catch (error: unknown) {
      if (error instanceof protobufModule.ProtobufError) throw badRequest(`the body of the request could not be decoded as protobuf: ${error.message}`);
      throw error;
    }
  }
  throw unsupportedMediaType(type);
}

/** JSON.parse with Kubernetes-style 400 errors. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') throw badRequest('the request body is empty: expected a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (error: unknown) {
    throw badRequest(`couldn't get version/kind; json parse error: ${error instanceof Error ? error.message : String(error)}`);
  }
}
