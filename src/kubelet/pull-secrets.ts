/**
 * Registry credentials from a pod's imagePullSecrets, matched to an image as kubelet's
 * credential keyring does: `kubernetes.io/dockerconfigjson` (`.dockerconfigjson`, its `auths`)
 * and `kubernetes.io/dockercfg` (`.dockercfg`) secrets; keys like `registry.example:5000`,
 * `https://index.docker.io/v1/`, `*.example.com` or `quay.io/team`; the most specific key
 * first; Docker Hub's `index.docker.io` for images without a registry.
 */
import type { KubeObject } from '../api/types.js';
import type { AuthConfig } from './cri/types.js';
import { objectData } from './objects.js';

interface KeyringEntry {
  key: string;
  auth: AuthConfig;
}

/** A credential that cannot be used, worded as kubelet's unmarshalling errors are. */
export class PullSecretError extends Error {}

/** One dockercfg entry: username/password, or `auth` = base64("username:password"), which wins. */
function entryAuth(value: unknown): AuthConfig {
  const e = (value ?? {}) as { username?: unknown; password?: unknown; auth?: unknown };
  let username = typeof e.username === 'string' ? e.username : '';
  let password = typeof e.password === 'string' ? e.password : '';
  if (typeof e.auth === 'string' && e.auth !== '') {
    const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) throw new PullSecretError('unable to parse auth field, must be formatted as base64(username:password)');
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1).replace(/\0+$/, '');
  }
  return { username, password };
}

/** The keyring key of a dockercfg location: host plus path, scheme and /v1/ or /v2/ dropped. */
function locationKey(location: string): string | undefined {
  let url: URL;
  try {
    url = new URL(/^https?:\/\//.test(location) ? location : `https://${location}`);
  } catch {
    return undefined; // kubelet logs and skips such an entry
  }
  let path = url.pathname;
  if (path.startsWith('/v2/') || path.startsWith('/v1/')) path = path.slice(3);
  return path && path !== '/' ? `${url.host}${path}` : url.host;
}

/** The credentials of the pod's pull secrets, in kubelet's lookup order (reverse-sorted keys). */
export function dockerKeyring(secrets: KubeObject[]): KeyringEntry[] {
  const entries: KeyringEntry[] = [];
  for (const secret of secrets) {
    const data = objectData('secrets', secret);
    let config: unknown;
    const parse = (bytes: Buffer): unknown => {
      try {
        return JSON.parse(bytes.toString('utf8')) as unknown;
      } catch (error: unknown) {
        throw new PullSecretError(`secret "${secret.metadata.name ?? ''}": ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    const json = data.get('.dockerconfigjson');
    const cfg = data.get('.dockercfg');
    if (secret.type === 'kubernetes.io/dockerconfigjson' && json?.length) config = (parse(json) as { auths?: unknown } | null)?.auths;
    else if (secret.type === 'kubernetes.io/dockercfg' && cfg?.length) config = parse(cfg);
    else continue;
    for (const [location, value] of Object.entries((config ?? {}) as Record<string, unknown>)) {
      const key = locationKey(location);
      if (key !== undefined) entries.push({ key, auth: entryAuth(value) });
    }
  }
  // Reverse order puts quay.io/team before quay.io; equal keys keep secret order.
  return entries.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
}

/** Registry/repository of an image, as Docker normalizes it (docker.io/library/busybox), without tag or digest. */
export function repositoryOf(image: string): string {
  let name = image.split('@')[0]!;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) name = name.slice(0, colon);
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  if (slash !== -1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    return first === 'index.docker.io' ? `docker.io/${name.slice(slash + 1)}` : name;
  }
  return name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
}

function splitHost(hostAndPath: string): { parts: string[]; port: string; path: string } {
  const url = new URL(`https://${hostAndPath}`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return { parts: host.split('.'), port: url.port, path: url.pathname === '/' && !hostAndPath.endsWith('/') ? '' : url.pathname };
}

/** One glob segment of a host name (`*`, `?`, `[…]`), as Go's filepath.Match. */
function globMatch(glob: string, text: string): boolean {
  const pattern = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\[!/g, '[^');
  try {
    return new RegExp(`^${pattern}$`).test(text);
  } catch {
    return false;
  }
}

/** kubelet's URLsMatch: same port, same number of host parts each matching its glob, key path a prefix. */
function keyMatches(key: string, repository: string): boolean {
  let k;
  let t;
  try {
    k = splitHost(key);
    t = splitHost(repository);
  } catch {
    return false;
  }
  if (k.port !== t.port || k.parts.length !== t.parts.length || !t.path.startsWith(k.path)) return false;
  return k.parts.every((part, i) => globMatch(part, t.parts[i]!));
}

function isDefaultRegistry(repository: string): boolean {
  const first = repository.split('/')[0]!;
  return first === 'docker.io' || first === 'index.docker.io';
}

/** The credentials to try for an image, in order; empty: pull anonymously. */
export function lookupCredentials(keyring: KeyringEntry[], image: string): AuthConfig[] {
  const repository = repositoryOf(image);
  const found = keyring.filter((e) => keyMatches(e.key, repository)).map((e) => e.auth);
  if (found.length) return found;
  if (isDefaultRegistry(repository)) return keyring.filter((e) => e.key === 'index.docker.io').map((e) => e.auth);
  return [];
}
