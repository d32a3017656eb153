/**
 * Pod bookkeeping for the DaemonSet controller: readiness, ordering of a node's daemon pods,
 * the creation/deletion expectations that keep a lagging cache from doubling pods up, and the
 * back-off before replacing a failed daemon pod.
 */
import type { KubeObject } from '../api/types.js';
import type { DaemonPodSpec } from './daemonset-util.js';

export interface Pod extends KubeObject {
  spec?: DaemonPodSpec;
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string; lastTransitionTime?: string; [field: string]: unknown }>;
    [field: string]: unknown;
  };
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** podutil.IsPodAvailable: ready for at least minReadySeconds. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= now.getTime();
}

/** podByCreationTimestampAndPhase: bound pods first, then oldest, then by name. */
export function compareDaemonPods(a: Pod, b: Pod): number {
  const boundA = Boolean(a.spec?.nodeName);
  const boundB = Boolean(b.spec?.nodeName);
  if (boundA !== boundB) return boundA ? -1 : 1;
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
}

/** Expectations older than this are ignored (kube's ExpectationsTimeout). */
const expectationsTimeoutMs = 5 * 60 * 1000;

/**
 * controller.ControllerExpectations, small: creations and deletions a sync made that the
 * informer has not shown yet. Until they are seen the controller does not add or remove pods,
 * so the same node never gets two daemon pods from one stale view.
 */
export class PodExpectations {
  private readonly map = new Map<string, { adds: number; deletes: Set<string>; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  expect(key: string, adds: number, deletes: string[]): void {
    this.map.set(key, { adds, deletes: new Set(deletes), at: this.now() });
  }

  creationObserved(key: string): void {
    const e = this.map.get(key);
    if (e && e.adds > 0) e.adds--;
  }

  deletionObserved(key: string, podKey: string): void {
    this.map.get(key)?.deletes.delete(podKey);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  satisfied(key: string): boolean {
    const e = this.map.get(key);
    if (!e || (e.adds <= 0 && e.deletes.size === 0)) return true;
    return this.now() - e.at > expectationsTimeoutMs;
  }
}

/**
 * kube's failedPodsBackoff (1 s doubling to 15 min) per daemon set and node: a failed daemon
 * pod is replaced at once the first time, then ever more slowly if replacements keep failing.
 */
export class FailedPodBackoff {
  private readonly entries = new Map<string, { delayMs: number; until: number }>();

  constructor(private readonly now: () => number = Date.now, private readonly initialMs = 1000, private readonly maxMs = 15 * 60 * 1000) {}

  /** Whether the node may have its failed pod replaced now; if not, the ms left. */
  check(id: string): number {
    const entry = this.entries.get(id);
    if (!entry) return 0;
    return Math.max(0, entry.until - this.now());
  }

  /** Records a replacement, doubling the wait before the next one. */
  next(id: string): void {
    const entry = this.entries.get(id);
    const delayMs = entry ? Math.min(this.maxMs, entry.delayMs * 2) : this.initialMs;
    this.entries.set(id, { delayMs, until: this.now() + delayMs });
  }

  /** Forgets entries idle for twice the longest wait (kube's GC of the back-off). */
  gc(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) if (now - entry.until > 2 * this.maxMs) this.entries.delete(id);
  }
}
