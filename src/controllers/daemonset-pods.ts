/**
 * Pod bookkeeping for the DaemonSet controller: ordering of a node's daemon pods and the
 * back-off before replacing a failed daemon pod (readiness and expectations are the
 * ReplicaSet controller's, shared).
 */
import type { KubeObject } from '../api/types.js';
import type { DaemonPodSpec } from './daemonset-util.js';
import { isPodAvailable, isPodReady } from './replicaset.js';

export { isPodAvailable, isPodReady };

export interface Pod extends KubeObject {
  spec?: DaemonPodSpec;
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string; lastTransitionTime?: string; [field: string]: unknown }>;
    [field: string]: unknown;
  };
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
