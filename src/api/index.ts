/** The resource catalogue: every served resource, its printing and its strategy. */
import { coreResources } from './resources/core.js';
import { groupResources } from './resources/groups.js';
import type { ResourceDefinition } from './types.js';

export type * from './types.js';
export { humanDuration, age } from './printing/duration.js';

/** Every resource litekube serves, core group first. */
export const resources: ResourceDefinition[] = [...coreResources, ...groupResources];

/** The resource at a group, version and plural, if served. */
export function findResource(group: string, version: string, plural: string): ResourceDefinition | undefined {
  return resources.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** The resource serving a kind in a group. */
export function findByKind(group: string, kind: string): ResourceDefinition | undefined {
  return resources.find((r) => r.group === group && r.kind === kind);
}

/** `apps/v1` → { group: 'apps', version: 'v1' }; `v1` → core. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
