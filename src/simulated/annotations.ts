import type { KubeObject } from '../api/types.js';
import { parseGoDuration } from './duration.js';

/** How long the containers of a Never/OnFailure pod run before they exit (Go duration). */
export const durationAnnotation = 'litekube.io/simulated-duration';
/** The exit code they exit with (integer). */
export const exitCodeAnnotation = 'litekube.io/simulated-exit-code';

export const defaultRunMs = 1000;

export interface SimulatedRun {
  durationMs: number;
  exitCode: number;
  /** Set when an annotation could not be read (the default was used instead). */
  problem?: string;
}

/** Reads the simulated run time and exit code of a pod from its annotations. */
export function simulatedRun(pod: KubeObject): SimulatedRun {
  const annotations = pod.metadata.annotations ?? {};
  const run: SimulatedRun = { durationMs: defaultRunMs, exitCode: 0 };
  const duration = annotations[durationAnnotation];
  if (duration !== undefined) {
    try {
      run.durationMs = Math.max(0, parseGoDuration(duration));
    } catch (error: unknown) {
      run.problem = `${durationAnnotation}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const exitCode = annotations[exitCodeAnnotation];
  if (exitCode !== undefined) {
    const parsed = Number(exitCode.trim());
    if (Number.isInteger(parsed) && parsed >= 0 && parsed <= 255) run.exitCode = parsed;
    else run.problem = `${exitCodeAnnotation}: invalid exit code ${JSON.stringify(exitCode)} (want 0-255)`;
  }
  return run;
}
