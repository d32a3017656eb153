// A minimal OCI distribution registry on 127.0.0.1 for e2e tests: serves built images read-only,
// asks for HTTP Basic credentials per repository, and records who pulled what.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BuiltImage } from '../../src/kubelet/images/oci.js';
import { readTar } from '../../src/kubelet/images/tar-reader.test-helper.js';

export interface FakeRegistry {
  /** host:port to put in a mirror endpoint. */
  address: string;
  /** Every request: method, path and the Basic user it authenticated as ('' for none). */
  requests: Array<{ method: string; path: string; user: string }>;
  close(): Promise<void>;
}

interface Repository {
  image: BuiltImage;
  tag: string;
  /** "user:password" allowed to pull. */
  credentials: string;
}

/** Serves `repositories` (name → image, tag, credentials) until closed. */
export async function startFakeRegistry(repositories: Record<string, Repository>): Promise<FakeRegistry> {
  const blobs = new Map<string, Buffer>();
  for (const { image } of Object.values(repositories)) {
    for (const entry of readTar(image.archive)) {
      if (entry.path.startsWith('blobs/sha256/') && entry.type === '0') blobs.set(`sha256:${entry.path.slice('blobs/sha256/'.length)}`, entry.data);
    }
  }
  const requests: FakeRegistry['requests'] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://registry').pathname;
    const header = req.headers.authorization ?? '';
    const user = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString('utf8') : '';
    requests.push({ method: req.method ?? '', path, user: user.split(':')[0] ?? '' });
    const match = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    const repository = match ? repositories[match[1]!] : undefined;
    if (path === '/v2/' || path === '/v2') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Docker-Distribution-API-Version': 'registry/2.0' }).end('{}');
      return;
    }
    if (!match || !repository) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}');
      return;
    }
    if (user !== repository.credentials) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="litekube-test"', 'Content-Type': 'application/json' })
        .end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    const [, , kind, reference] = match;
    const digest = kind === 'manifests' && reference === repository.tag ? repository.image.manifestDigest : reference!;
    const body = blobs.get(digest);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    const type = kind === 'manifests' ? 'application/vnd.oci.image.manifest.v1+json' : 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Docker-Content-Digest': digest });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
