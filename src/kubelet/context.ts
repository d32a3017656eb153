import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import type { BackOff } from './backoff.js';
import type { ContainerRuntime } from './cri/types.js';
import type { DnsOptions } from './dns.js';
import type { ReadObject } from './objects.js';
import type { ServiceAccountTokenManager } from './service-account-token.js';

export type Log = (message: string, fields?: Record<string, unknown>) => void;

/** What every pod's sync needs from the kubelet that runs it. */
export interface KubeletContext {
  client: Client;
  runtime: ContainerRuntime;
  nodeName: string;
  hostIP: string;
  allocatable: { cpu: string; memory: string };
  /** The node's memory in bytes (OOM score adjustment of Burstable containers). */
  memoryCapacity: number;
  /** Memory limits also cap memory+swap (kubelet's NoSwap, where cgroup v1 has memsw). */
  swapLimit: boolean;
  dataDir: string;
  dns: DnsOptions;
  /** The cgroup every pod's sandbox goes under (kubelet's cgroupRoot + kubepods). */
  cgroupParent?: string;
  /** `containerd`: the scheme of containerIDs (`containerd://<id>`). */
  runtimeName: string;
  read: ReadObject;
  /** Service account tokens for projected volumes, requested through the TokenRequest API. */
  tokens: ServiceAccountTokenManager;
  /** Crash-loop back-off, per pod uid and container name. */
  restartBackOff: BackOff;
  /** Image pull back-off, per pod uid and image. */
  pullBackOff: BackOff;
  /** Records an event about the pod (serialised per pod, best effort). */
  event(pod: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
  log: Log;
  now: () => Date;
}

/** A container's transient waiting reason, remembered between syncs (ErrImagePull, CrashLoopBackOff…). */
export interface Waiting {
  reason: string;
  message?: string;
}

/** What the kubelet remembers about a pod between syncs; the rest is re-read from the runtime. */
export interface PodState {
  waiting: Map<string, Waiting>;
  /** Readiness by container id (probe results; absent means "no verdict yet"). */
  readiness: Map<string, boolean>;
  /** Container ids whose liveness or startup probe failed, and which: to be restarted. */
  unhealthy: Map<string, 'liveness' | 'startup'>;
  /** Container ids whose startup probe succeeded (a container without one counts as started). */
  started: Set<string>;
  startTime?: Date;
  /** The pod's volumes were set up once: a claim being deleted no longer stops them. */
  volumesMounted?: boolean;
  /** A pod that reached Succeeded or Failed keeps this status; nothing runs any more. */
  terminalStatus?: Record<string, unknown>;
}

export const newPodState = (): PodState => ({ waiting: new Map(), readiness: new Map(), unhealthy: new Map(), started: new Set() });
