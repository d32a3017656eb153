import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../apiserver/index.js';
import { InProcessClient } from './inprocess.js';
import type { Client } from './types.js';

/** A control plane with an in-memory store for unit tests of components, and a client of it. */
export interface TestApi {
  client: Client;
  plane: ControlPlane;
  /** A client acting as another user (e.g. the scheduler or a node). */
  clientAs(name: string): Client;
  stop(): Promise<void>;
}

/**
 * Starts a control plane without controllers. The ServiceAccount admission plugin is left out
 * unless `disableAdmissionPlugins` says otherwise (upstream's integration tests do the same): no
 * controller creates the `default` ServiceAccount here, so it would refuse every pod.
 */
export async function startTestApi(options: { now?: () => Date; garbageCollector?: boolean; disableAdmissionPlugins?: string[] } = {}): Promise<TestApi> {
  const dataDir = await mkdtemp(join(tmpdir(), 'litekube-unit-'));
  const plane = await startControlPlane({
    dataDir, port: 0, storeUrl: 'memory://', now: options.now, garbageCollector: options.garbageCollector, log: () => undefined,
    disableAdmissionPlugins: options.disableAdmissionPlugins ?? ['ServiceAccount'],
  });
  const clientAs = (name: string): Client => InProcessClient.forServer(plane.server, { name, groups: ['system:masters', 'system:authenticated'] });
  return {
    client: clientAs('test'),
    plane,
    clientAs,
    async stop() {
      await plane.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Polls `probe` until it returns a value (not undefined or false) or the time is up; errors
 * thrown meanwhile count as "not yet" and the last one is reported on timeout.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error: unknown) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : ''}`);
}
