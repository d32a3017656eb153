import { readFile } from 'node:fs/promises';
import type { DnsConfig } from './cri/types.js';
import type { PodSpec } from './pod-spec.js';

export interface DnsOptions {
  clusterDns: string;
  clusterDomain: string;
  /** The host's resolver file, for dnsPolicy Default (kubelet's --resolv-conf). */
  resolvConf: string;
}

/** Parses nameserver, search and options lines of a resolv.conf. */
export function parseResolvConf(text: string): DnsConfig {
  const out: DnsConfig = { servers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const [word, ...rest] = raw.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (word === 'nameserver' && rest[0]) out.servers.push(rest[0]);
    else if (word === 'search' || word === 'domain') out.searches = rest;
    else if (word === 'options') out.options.push(...rest);
  }
  return out;
}

/**
 * The pod's resolver per dnsPolicy, as kubelet's dns configurer: ClusterFirst points at the
 * cluster DNS with the namespace's search path (host-network pods fall back to Default unless
 * ClusterFirstWithHostNet); Default copies the host; None takes only spec.dnsConfig, which
 * every policy then extends.
 */
export async function podDnsConfig(spec: PodSpec, namespace: string, options: DnsOptions): Promise<DnsConfig> {
  let policy = spec.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'ClusterFirst' && spec.hostNetwork) policy = 'Default';
  let config: DnsConfig;
  if (policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet') {
    const d = options.clusterDomain;
    config = { servers: [options.clusterDns], searches: [`${namespace}.svc.${d}`, `svc.${d}`, d], options: ['ndots:5'] };
  } else if (policy === 'Default') {
    config = parseResolvConf(await readFile(options.resolvConf, 'utf8').catch(() => ''));
  } else {
    config = { servers: [], searches: [], options: [] };
  }
  const extra = spec.dnsConfig;
  if (extra) {
    config.servers = unique([...config.servers, ...(extra.nameservers ?? [])]);
    config.searches = unique([...config.searches, ...(extra.searches ?? [])]);
    const merged = new Map(config.options.map((o) => [o.split(':')[0]!, o]));
    for (const o of extra.options ?? []) merged.set(o.name, o.value !== undefined ? `${o.name}:${o.value}` : o.name);
    config.options = [...merged.values()];
  }
  // glibc reads at most 3 nameservers and 32 search domains; kubelet trims to match.
  config.servers = config.servers.slice(0, 3);
  config.searches = config.searches.slice(0, 32);
  return config;
}

const unique = (values: string[]): string[] => [...new Set(values)];
