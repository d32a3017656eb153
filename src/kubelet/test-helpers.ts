import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../api/types.js';
import { startTestApi, type TestApi } from '../client/testing.js';
import { FakeRuntime } from './fake-runtime.js';
import { Kubelet } from './kubelet.js';

export const nodeName = 'node-a';

export interface Harness {
  api: TestApi;
  runtime: FakeRuntime;
  dataDir: string;
  stop(): Promise<void>;
}

/** A test API, a FakeRuntime with busybox present, and a Kubelet with short intervals and back-off. */
export async function startKubelet(): Promise<Harness> {
  const api = await startTestApi();
  const runtime = new FakeRuntime(['busybox:1.36']);
  const dataDir = await mkdtemp(join(tmpdir(), 'litekube-kubelet-'));
  const controller = new AbortController();
  const kubelet = new Kubelet({
    client: api.client, runtime, nodeName, podCIDR: '10.42.0.0/24', dataDir, nodeIP: '192.168.1.10',
    capacity: { cpu: '4', memory: '8Gi', pods: '110' }, syncIntervalMs: 30, backOffInitialMs: 300, backOffMaxMs: 1200,
  });
  const running = kubelet.run(controller.signal);
  return {
    api, runtime, dataDir,
    async stop() {
      controller.abort();
      await running;
      runtime.close();
      await api.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const podsRef = { apiVersion: 'v1', plural: 'pods' };

export function pod(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: name } }, spec: { nodeName, ...spec } };
}

export const statusOf = (p: KubeObject): Record<string, unknown> => (p.status ?? {}) as Record<string, unknown>;
export const containerStatuses = (p: KubeObject, field = 'containerStatuses'): Array<Record<string, any>> => // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read deep status shapes
  (statusOf(p)[field] ?? []) as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
