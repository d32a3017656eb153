import type { ResourceDefinition } from '../../api/types.js';
import type { ServerRequest } from './body.js';
import type { PathHandler } from './router.js';
import { sendJson, type ServerResponseLike } from './respond.js';

type Built = { root: object; documents: Map<string, object> };

/**
 * Serves /openapi/v3 (the root listing each group-version's document URL with its hash)
 * and /openapi/v3/<api/v1|apis/group/version>. Documents are built on first request.
 */
export function openApiPaths(resources: ResourceDefinition[], build: (resources: ResourceDefinition[]) => Built): PathHandler {
  let built: Built | undefined;
  const texts = new Map<string, string>();
  return async (_request: ServerRequest, response: ServerResponseLike, url: URL): Promise<boolean> => {
    if (!url.pathname.startsWith('/openapi/v3')) return false;
    built ??= build(resources);
    const rest = url.pathname.slice('/openapi/v3'.length).replace(/^\/+|\/+$/g, '');
    if (rest === '') {
      sendJson(response, 200, built.root);
      return true;
    }
    const document = built.documents.get(rest);
    if (!document) return false;
    let text = texts.get(rest);
    if (text === undefined) {
      text = JSON.stringify(document);
      texts.set(rest, text);
    }
    const hash = url.searchParams.get('hash');
    const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) };
    if (hash) {
      // A hash-addressed document never changes for this server build.
      headers['cache-control'] = 'public, immutable';
      headers.expires = new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString();
      headers.etag = `"${hash}"`;
    } else {
      headers['cache-control'] = 'no-cache, private';
    }
    response.writeHead(200, headers);
    response.end(text);
    return true;
  };
}
