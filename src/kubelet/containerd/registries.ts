/**
 * Registry mirrors and credentials from DIR/registries.yaml, in k3s' format:
 *
 *   mirrors:  { "docker.io": { endpoint: ["https://mirror.example"] } }   ("*": every registry)
 *   configs:  { "mirror.example": { auth: { username, password }, tls: { ca_file, insecure_skip_verify } } }
 *
 * rendered the containerd 1.6/1.7 CRI way: one `hosts.toml` per registry under the CRI's
 * `config_path` (mirrors tried in order, then the registry itself; TLS per endpoint), and
 * credentials as `registry.configs."host".auth` in config.toml (hosts.toml has no place for
 * them). A pod's imagePullSecrets, when given, take precedence over these credentials.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface RegistryAuth {
  username?: string;
  password?: string;
  /** base64 of "username:password". */
  auth?: string;
  identitytoken?: string;
}

export interface RegistryTls {
  ca_file?: string;
  cert_file?: string;
  key_file?: string;
  insecure_skip_verify?: boolean;
}

export interface Registries {
  /** Registry host (or "*") → mirror endpoints, tried in order before the registry itself. */
  mirrors: Record<string, { endpoint: string[] }>;
  /** Host (registry or mirror endpoint, with port if any) → credentials and TLS. */
  configs: Record<string, { auth?: RegistryAuth; tls?: RegistryTls }>;
}

export class RegistriesError extends Error {}

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A field's path as users write it: mirrors."docker.io".endpoint[0]. */
const key = (k: string): string => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : JSON.stringify(k));

/** host, host:port or [v6]:port, as registries are named; no scheme, no path. */
const hostPattern = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

function onlyKnown(value: Fields, known: string[], at: string, fail: (field: string, problem: string) => never): void {
  for (const k of Object.keys(value)) {
    if (!known.includes(k)) fail(`${at}.${key(k)}`, `is not supported (known fields: ${known.join(', ')})`);
  }
}

/**
 * Parses and validates registries.yaml; every problem names the file and the field. `exists`
 * checks the certificate files (they are read by containerd only at pull time otherwise).
 */
export function parseRegistries(text: string, file = 'registries.yaml', exists: (path: string) => boolean = existsSync): Registries {
  const fail = (field: string, problem: string): never => {
    throw new RegistriesError(`${file}: ${field} ${problem}`);
  };
  let doc: unknown;
  try {
    doc = parse(text) as unknown;
  } catch (error: unknown) {
    throw new RegistriesError(`${file}: not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  const out: Registries = { mirrors: {}, configs: {} };
  if (doc === null || doc === undefined) return out;
  if (!isObject(doc)) return fail('(top level)', 'must be a mapping with mirrors and configs');
  onlyKnown(doc, ['mirrors', 'configs'], '', (field, problem) => fail(field.slice(1), problem));
  const mirrors = doc.mirrors ?? {};
  if (!isObject(mirrors)) fail('mirrors', 'must be a mapping of registry host to { endpoint: [...] }');
  for (const [host, mirror] of Object.entries(mirrors as Fields)) {
    const at = `mirrors.${key(host)}`;
    if (host !== '*' && !hostPattern.test(host)) fail(at, 'must be named by a registry host (like docker.io or registry.example:5000) or "*"');
    if (!isObject(mirror)) fail(at, 'must be a mapping with endpoint');
    const m = mirror as Fields;
    onlyKnown(m, ['endpoint'], at, fail);
    if (!Array.isArray(m.endpoint)) fail(`${at}.endpoint`, 'must be a list of URLs');
    const endpoints = (m.endpoint as unknown[]).map((e, i) => {
      const field = `${at}.endpoint[${i}]`;
      if (typeof e !== 'string') return fail(field, 'must be a URL string');
      let url: URL;
      try {
        url = new URL(e);
      } catch {
        return fail(field, `must be an http or https URL, got ${JSON.stringify(e)}`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(field, `must be an http or https URL, got ${JSON.stringify(e)}`);
      if (url.username || url.password) fail(field, 'must not carry credentials (put them under configs.<host>.auth)');
      if (url.search || url.hash) fail(field, 'must not have a query or fragment');
      return e.replace(/\/+$/, '');
    });
    out.mirrors[host] = { endpoint: endpoints };
  }
  const configs = doc.configs ?? {};
  if (!isObject(configs)) fail('configs', 'must be a mapping of host to { auth, tls }');
  for (const [name, config] of Object.entries(configs as Fields)) {
    const at = `configs.${key(name)}`;
    // k3s accepts a URL as the key too: its host is what containerd matches.
    const host = /^https?:\/\//.test(name) ? new URL(name).host : name;
    if (!hostPattern.test(host)) fail(at, 'must be named by a host (like registry.example:5000)');
    if (!isObject(config)) fail(at, 'must be a mapping with auth and/or tls');
    const c = config as Fields;
    onlyKnown(c, ['auth', 'tls'], at, fail);
    const entry: { auth?: RegistryAuth; tls?: RegistryTls } = {};
    if (c.auth !== undefined) {
      if (!isObject(c.auth)) fail(`${at}.auth`, 'must be a mapping');
      const a = c.auth as Fields;
      onlyKnown(a, ['username', 'password', 'auth', 'identitytoken'], `${at}.auth`, fail);
      for (const [k, v] of Object.entries(a)) if (typeof v !== 'string') fail(`${at}.auth.${k}`, 'must be a string');
      if (typeof a.auth === 'string') {
        const decoded = Buffer.from(a.auth, 'base64').toString('utf8');
        if (!/^[A-Za-z0-9+/]+=*$/.test(a.auth) || !decoded.includes(':')) fail(`${at}.auth.auth`, 'must be base64 of "username:password"');
      }
      if (a.password !== undefined && a.username === undefined) fail(`${at}.auth.username`, 'is required with a password');
      entry.auth = a as RegistryAuth;
    }
    if (c.tls !== undefined) {
      if (!isObject(c.tls)) fail(`${at}.tls`, 'must be a mapping');
      const t = c.tls as Fields;
      onlyKnown(t, ['ca_file', 'cert_file', 'key_file', 'insecure_skip_verify'], `${at}.tls`, fail);
      for (const f of ['ca_file', 'cert_file', 'key_file'] as const) {
        if (t[f] === undefined) continue;
        if (typeof t[f] !== 'string' || !(t[f] as string).startsWith('/')) fail(`${at}.tls.${f}`, 'must be an absolute path');
        if (!exists(t[f] as string)) fail(`${at}.tls.${f}`, `names a file that does not exist: ${t[f] as string}`);
      }
      if (t.key_file !== undefined && t.cert_file === undefined) fail(`${at}.tls.cert_file`, 'is required with key_file');
      if (t.insecure_skip_verify !== undefined && typeof t.insecure_skip_verify !== 'boolean') fail(`${at}.tls.insecure_skip_verify`, 'must be true or false');
      entry.tls = t as RegistryTls;
    }
    out.configs[host] = entry;
  }
  return out;
}

/** TOML basic string (JSON's escapes are valid TOML for these values). */
const str = (value: string): string => JSON.stringify(value);

/** The TLS lines of one host, as hosts.toml spells them. */
function tlsLines(tls: RegistryTls | undefined, indent: string): string[] {
  if (!tls) return [];
  const lines: string[] = [];
  if (tls.ca_file) lines.push(`${indent}ca = ${str(tls.ca_file)}`);
  if (tls.cert_file) lines.push(`${indent}client = [[${str(tls.cert_file)}, ${str(tls.key_file ?? '')}]]`);
  if (tls.insecure_skip_verify !== undefined) lines.push(`${indent}skip_verify = ${tls.insecure_skip_verify}`);
  return lines;
}

/**
 * One hosts.toml per registry, keyed by its directory under config_path ("_default" for "*").
 * Mirrors come first (pull and resolve only), then the registry itself, which containerd adds
 * as the last host (registry-1.docker.io for docker.io); TLS of a host comes from configs by
 * the host's name. A host with TLS settings also gets a file of its own, for pulls naming it.
 */
export function hostsFiles(registries: Registries): Map<string, string> {
  const files = new Map<string, string>();
  const registryHosts = new Set([...Object.keys(registries.mirrors), ...Object.keys(registries.configs).filter((h) => registries.configs[h]?.tls)]);
  for (const host of registryHosts) {
    const lines = [`# Generated by litekube from registries.yaml; rewritten on every start.`];
    lines.push(...tlsLines(registries.configs[host]?.tls, ''));
    for (const endpoint of registries.mirrors[host]?.endpoint ?? []) {
      lines.push('', `[host.${str(endpoint)}]`, '  capabilities = ["pull", "resolve"]');
      lines.push(...tlsLines(registries.configs[new URL(endpoint).host]?.tls, '  '));
    }
    files.set(host === '*' ? '_default' : host, lines.join('\n') + '\n');
  }
  return files;
}

/** Credentials by host, for config.toml's registry.configs (containerd asks by the endpoint's host). */
export function registryAuths(registries: Registries): Record<string, RegistryAuth> {
  const auths: Record<string, RegistryAuth> = {};
  for (const [host, config] of Object.entries(registries.configs)) if (config.auth) auths[host] = config.auth;
  return auths;
}

/** Reads DIR/registries.yaml (none: no mirrors, no credentials). */
export async function loadRegistries(dataDir: string): Promise<Registries> {
  const file = join(dataDir, 'registries.yaml');
  if (!existsSync(file)) return { mirrors: {}, configs: {} };
  return parseRegistries(await readFile(file, 'utf8'), file);
}

/** Replaces `dir` with the hosts.toml files of `registries`. */
export async function writeHostsDir(dir: string, registries: Registries): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [name, text] of hostsFiles(registries)) {
    await mkdir(join(dir, name), { recursive: true, mode: 0o700 });
    await writeFile(join(dir, name, 'hosts.toml'), text, { mode: 0o600 });
  }
}
