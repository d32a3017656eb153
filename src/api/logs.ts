import type { KubeObject } from './types.js';

/** What `kubectl logs` asks for (core/v1 PodLogOptions). */
export interface PodLogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  limitBytes?: number;
}

/**
 * Where a pod's logs come from: the node agent that runs it. Yields the log text in chunks;
 * throws an Error whose `code` (400 or 404) says how the API should answer.
 */
export type PodLogSource = (pod: KubeObject, options: PodLogOptions, signal: AbortSignal) => AsyncIterable<string>;

export class PodLogError extends Error {
  constructor(readonly code: 400 | 404, message: string) {
    super(message);
  }
}
