import type { ResourceDefinition } from '../api/types.js';

const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Group versions in the order kube-apiserver lists them (core first, then by group). */
export interface GroupVersions {
  group: string;
  versions: string[];
}

export function groupsOf(resources: ResourceDefinition[]): GroupVersions[] {
  const groups = new Map<string, string[]>();
  for (const r of resources) {
    const versions = groups.get(r.group) ?? [];
    if (!versions.includes(r.version)) versions.push(r.version);
    groups.set(r.group, versions);
  }
  return [...groups.entries()].map(([group, versions]) => ({ group, versions }));
}

function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** GET /api. */
export function apiVersions(): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }] };
}

function apiGroup(entry: GroupVersions): Record<string, unknown> {
  const versions = entry.versions.map((version) => ({ groupVersion: groupVersion(entry.group, version), version }));
  return { name: entry.group, versions, preferredVersion: versions[0] };
}

/** GET /apis: every named group. */
export function apiGroupList(resources: ResourceDefinition[]): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groupsOf(resources).filter((g) => g.group !== '').map(apiGroup) };
}

/** GET /apis/<group>. */
export function apiGroupOf(resources: ResourceDefinition[], group: string): Record<string, unknown> | undefined {
  const entry = groupsOf(resources).find((g) => g.group === group && group !== '');
  return entry ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(entry) } : undefined;
}

/** GET /api/v1 or /apis/<group>/<version>: the legacy APIResourceList. */
export function apiResourceList(resources: ResourceDefinition[], group: string, version: string): Record<string, unknown> | undefined {
  const served = resources.filter((r) => r.group === group && r.version === version);
  if (served.length === 0) return undefined;
  const list: Record<string, unknown>[] = [];
  for (const r of served) {
    const entry: Record<string, unknown> = { name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs ?? allVerbs };
    if (r.shortNames?.length) entry.shortNames = r.shortNames;
    if (r.categories?.length) entry.categories = r.categories;
    list.push(entry);
    for (const sub of subresourcesOf(r)) {
      const item: Record<string, unknown> = { name: `${r.plural}/${sub.name}`, singularName: '', namespaced: r.namespaced, kind: sub.kind, verbs: sub.verbs };
      if (sub.group !== undefined) item.group = sub.group;
      if (sub.version !== undefined) item.version = sub.version;
      list.push(item);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources: list };
}

interface Subresource {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

function subresourcesOf(r: ResourceDefinition): Subresource[] {
  const subs: Subresource[] = [];
  if (r.hasStatus) subs.push({ name: 'status', kind: r.kind, verbs: ['get', 'patch', 'update'] });
  if (r.scale) subs.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] });
  const extras = new Set((r.extraSubresources ?? []).map((e) => e.name));
  for (const name of Object.keys(r.partialSubresources ?? {})) if (!extras.has(name)) subs.push({ name, kind: r.kind, verbs: ['update'] });
  for (const extra of r.extraSubresources ?? []) subs.push(extra);
  return subs;
}

/** Aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList) for /api or /apis. */
export function aggregatedDiscovery(resources: ResourceDefinition[], legacy: boolean, version: 'v2' | 'v2beta1'): Record<string, unknown> {
  const items = groupsOf(resources)
    .filter((g) => (legacy ? g.group === '' : g.group !== ''))
    .map((g) => ({
      metadata: { name: g.group, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        freshness: 'Current',
        resources: resources.filter((r) => r.group === g.group && r.version === v).map((r) => {
          const entry: Record<string, unknown> = {
            resource: r.plural,
            responseKind: { group: r.group, version: r.version, kind: r.kind },
            scope: r.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: r.singular,
            verbs: r.verbs ?? allVerbs,
          };
          if (r.shortNames?.length) entry.shortNames = r.shortNames;
          if (r.categories?.length) entry.categories = r.categories;
          const subs = subresourcesOf(r);
          if (subs.length) {
            entry.subresources = subs.map((s) => ({
              subresource: s.name,
              responseKind: { group: s.group ?? r.group, version: s.version ?? r.version, kind: s.kind },
              verbs: s.verbs,
            }));
          }
          return entry;
        }),
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

/** Which aggregated discovery version the Accept header asks for, if any. */
export function wantsAggregated(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined;
  for (const clause of accept.split(',')) {
    if (!clause.includes('as=APIGroupDiscoveryList') || !clause.includes('g=apidiscovery.k8s.io')) continue;
    if (/v=v2beta1/.test(clause)) return 'v2beta1';
    if (/v=v2(;|$|\s)/.test(clause)) return 'v2';
  }
  return undefined;
}
