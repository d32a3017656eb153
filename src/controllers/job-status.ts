import type { KubeObject } from '../api/types.js';
import { num, obj, type Obj } from '../api/printing/values.js';

export { num, obj, type Obj };

/** The parts of batch/v1 JobStatus the controller writes. */
export interface JobCondition {
  type: string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}


export function conditionsOf(job: KubeObject): JobCondition[] {
  const list = obj(job.status).conditions;
  return Array.isArray(list) ? (list as JobCondition[]) : [];
}

export function hasCondition(job: KubeObject, type: string): boolean {
  return conditionsOf(job).some((c) => c.type === type && c.status === 'True');
}

export function isFinished(job: KubeObject): boolean {
  return hasCondition(job, 'Complete') || hasCondition(job, 'Failed');
}

/** Sets a condition, keeping lastTransitionTime when the status does not change. */
export function setCondition(conditions: JobCondition[], next: JobCondition, now: string): JobCondition[] {
  const existing = conditions.find((c) => c.type === next.type);
  if (existing && existing.status === next.status && existing.reason === next.reason) return conditions;
  const updated: JobCondition = { ...next, lastProbeTime: now, lastTransitionTime: existing && existing.status === next.status ? existing.lastTransitionTime : now };
  return existing ? conditions.map((c) => (c.type === next.type ? updated : c)) : [...conditions, updated];
}

/** Indexes as kube prints completedIndexes: `0-2,4,7-8`. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i]!;
    let end = start;
    while (i + 1 < sorted.length && sorted[i + 1] === end + 1) end = sorted[++i]!;
    parts.push(end === start ? String(start) : `${start}-${end}`);
  }
  return parts.join(',');
}

export function parseIndexes(text: unknown): Set<number> {
  const out = new Set<number>();
  if (typeof text !== 'string') return out;
  for (const part of text.split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || !Number.isInteger(a)) continue;
    for (let i = a; i <= (Number.isInteger(b) ? b! : a); i++) out.add(i);
  }
  return out;
}

export const completionIndexAnnotation = 'batch.kubernetes.io/job-completion-index';

export function podIndex(pod: KubeObject): number | undefined {
  const value = pod.metadata.annotations?.[completionIndexAnnotation] ?? pod.metadata.labels?.[completionIndexAnnotation];
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) ? n : undefined;
}

export function podPhase(pod: KubeObject): string {
  const phase = obj(pod.status).phase;
  return typeof phase === 'string' ? phase : 'Pending';
}

export function podReady(pod: KubeObject): boolean {
  const conditions = obj(pod.status).conditions;
  return Array.isArray(conditions) && conditions.some((c) => obj(c).type === 'Ready' && obj(c).status === 'True');
}

/** Container restarts count as failures for restartPolicy OnFailure (kube counts them too). */
export function podRestarts(pod: KubeObject): number {
  const statuses = [...(Array.isArray(obj(pod.status).containerStatuses) ? (obj(pod.status).containerStatuses as unknown[]) : [])];
  return statuses.reduce<number>((sum, s) => sum + num(obj(s).restartCount, 0), 0);
}

export function isControlledBy(object: KubeObject, owner: KubeObject): boolean {
  return (object.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === owner.metadata.uid);
}
