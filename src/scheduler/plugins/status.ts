// A filter's verdict on one node, as the framework's Status: code plus reasons.

export type StatusCode = 'Unschedulable' | 'UnschedulableAndUnresolvable';

export interface FilterStatus {
  plugin: string;
  code: StatusCode;
  reasons: string[];
}

/** A failure preemption might resolve (by evicting pods). */
export const unschedulable = (plugin: string, ...reasons: string[]): FilterStatus => ({ plugin, code: 'Unschedulable', reasons });

/** A failure no preemption can resolve. */
export const unresolvable = (plugin: string, ...reasons: string[]): FilterStatus => ({ plugin, code: 'UnschedulableAndUnresolvable', reasons });

export const MAX_NODE_SCORE = 100;

/** framework's DefaultNormalizeScore: scales to 0..100 by the maximum, optionally reversed. */
export function defaultNormalize(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.floor((MAX_NODE_SCORE * scores[i]!) / max);
    if (reverse) s = MAX_NODE_SCORE - s;
    scores[i] = s;
  }
}
