/**
 * ControllerRevision history shared by the DaemonSet and StatefulSet controllers (kube's
 * pkg/controller/history, small): revisions snapshot a pod template as a strategic-merge
 * patch, are named `<parent>-<hash>`, numbered 1, 2, …, deduplicated by content, created
 * with hash-collision handling, and truncated to revisionHistoryLimit.
 */
import type { KubeObject } from '../api/types.js';
import type { Client, ResourceRef } from '../client/index.js';
import { canonicalJson, computeHash } from './pod-template-hash.js';
import { controllerOf, isNotFound, newControllerRef, statusCode } from './owners.js';

export const controllerRevisionsRef: ResourceRef = { apiVersion: 'apps/v1', plural: 'controllerrevisions' };

/** The label pods carry naming their revision (apps.ControllerRevisionHashLabelKey). */
export const controllerRevisionHashLabel = 'controller-revision-hash';
/** The label history.NewControllerRevision puts on the revision itself. */
export const historyHashLabel = 'controller.kubernetes.io/hash';

export interface ControllerRevision extends KubeObject {
  /** The snapshot: `{spec: {template: {..., $patch: replace}}}` for both workload kinds. */
  data?: unknown;
  revision: number;
}

/** getPatch: the part of the parent a revision records, replacing the template wholesale on rollback. */
export function templatePatch(template: unknown): Record<string, unknown> {
  const copy = template !== null && typeof template === 'object' ? structuredClone(template as Record<string, unknown>) : {};
  return { spec: { template: { ...copy, $patch: 'replace' } } };
}

/** The template a revision recorded (what a pod of that revision was created from). */
export function revisionTemplate<T>(revision: ControllerRevision): T | undefined {
  const data = revision.data as { spec?: { template?: Record<string, unknown> } } | undefined;
  const template = data?.spec?.template;
  if (!template) return undefined;
  const copy = structuredClone(template);
  delete copy.$patch;
  return copy as T;
}

/** ControllerRevisionName: kube truncates the prefix so the name stays a valid DNS subdomain. */
export function revisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

/** HashControllerRevision: FNV-32a over the data plus the collision count. */
export function hashRevision(data: unknown, collisionCount?: number): string {
  return computeHash(data, collisionCount);
}

/** Whether two revisions record the same thing (kube compares Data.Raw bytes). */
export function equalData(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** history.byRevision: by revision number, then creation time, then name. */
export function sortRevisions(revisions: ControllerRevision[]): ControllerRevision[] {
  return [...revisions].sort((a, b) => {
    if (a.revision !== b.revision) return a.revision - b.revision;
    const ta = a.metadata.creationTimestamp ?? '';
    const tb = b.metadata.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? -1 : 1;
    return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
  });
}

/** nextRevision: one more than the highest recorded (1 for a new parent). */
export function nextRevisionNumber(revisions: ControllerRevision[]): number {
  return revisions.reduce((max, r) => Math.max(max, r.revision ?? 0), 0) + 1;
}

/**
 * NewControllerRevision: labels are the template's plus the hash label, owned by the parent.
 * The name is filled in by createRevision (it depends on the collision count).
 */
export function newRevision(parent: KubeObject, kind: string, templateLabels: Record<string, string> | undefined, data: unknown, revision: number, collisionCount?: number): ControllerRevision {
  const hash = hashRevision(data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionName(parent.metadata.name ?? '', hash),
      namespace: parent.metadata.namespace,
      labels: { ...(templateLabels ?? {}), [historyHashLabel]: hash },
      ownerReferences: [newControllerRef(parent, 'apps/v1', kind)],
    },
    data,
    revision,
  };
}

/** How revisions are named: the DaemonSet controller hashes its template and labels with controller-revision-hash. */
export interface RevisionNaming {
  hashOf?: (collisionCount?: number) => string;
  hashLabel?: string;
}

/**
 * CreateControllerRevision: creates the revision under a name from its hash; when the name is
 * taken by a revision with the same data that one is returned, otherwise the collision count
 * is bumped (the caller persists it in status.collisionCount) and the next name tried.
 */
export async function createRevision(client: Client, parent: KubeObject, revision: ControllerRevision, collisionCount: { value: number }, options: RevisionNaming = {}): Promise<ControllerRevision> {
  const hashOf = options.hashOf ?? ((count?: number) => hashRevision(revision.data, count));
  const label = options.hashLabel ?? historyHashLabel;
  for (let attempt = 0; attempt < 100; attempt++) {
    const hash = hashOf(collisionCount.value || undefined);
    const candidate: ControllerRevision = {
      ...revision,
      metadata: { ...revision.metadata, name: revisionName(parent.metadata.name ?? '', hash), labels: { ...(revision.metadata.labels ?? {}), [label]: hash } },
    };
    try {
      return await client.create<ControllerRevision>(controllerRevisionsRef, parent.metadata.namespace, candidate);
    } catch (error: unknown) {
      if (statusCode(error) !== 409) throw error;
      let existing: ControllerRevision;
      try {
        existing = await client.get<ControllerRevision>(controllerRevisionsRef, parent.metadata.namespace, candidate.metadata.name ?? '');
      } catch (getError: unknown) {
        // Deleted between the create and the read: just try the same name again.
        if (isNotFound(getError)) continue;
        throw getError;
      }
      if (equalData(existing.data, candidate.data) && controllerOf(existing)?.uid === parent.metadata.uid) return existing;
      collisionCount.value++;
    }
  }
  throw new Error(`could not find a free ControllerRevision name for ${parent.metadata.name ?? ''}`);
}

/** Bumps an existing revision's number (history.UpdateControllerRevision) when an old template is rolled back to. */
export async function updateRevisionNumber(client: Client, revision: ControllerRevision, number: number): Promise<ControllerRevision> {
  if (revision.revision === number) return revision;
  return client.patch<ControllerRevision>(controllerRevisionsRef, revision.metadata.namespace, revision.metadata.name ?? '', 'merge', { revision: number });
}

/**
 * truncateHistory: deletes the oldest revisions that no live pod uses and that are neither
 * current nor update, keeping at most `limit` of them (kube's revisionHistoryLimit, default 10).
 */
export async function truncateHistory(client: Client, revisions: ControllerRevision[], live: Set<string>, limit: number): Promise<void> {
  const idle = sortRevisions(revisions).filter((r) => !live.has(r.metadata.name ?? ''));
  const excess = idle.length - Math.max(0, limit);
  for (const revision of idle.slice(0, Math.max(0, excess))) {
    try {
      await client.delete(controllerRevisionsRef, revision.metadata.namespace, revision.metadata.name ?? '', { preconditions: { uid: revision.metadata.uid } });
    } catch (error: unknown) {
      if (!isNotFound(error) && statusCode(error) !== 409) throw error;
    }
  }
}
