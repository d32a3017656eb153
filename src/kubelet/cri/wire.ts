/**
 * Replies as @grpc/proto-loader decodes them from api.proto (camelCase, enums as names, int64 as
 * numbers, defaults filled), and their conversion to the interface's shapes. Converting rather
 * than casting keeps fields the interface does not promise (runtimeHandler, mounts, …) out.
 */
import type {
  Container as ContainerOut, ContainerState, Mount, ContainerStatus as ContainerStatusOut, Image as ImageOut,
  PodSandbox as PodSandboxOut, PodSandboxMetadata, PodSandboxState, PodSandboxStatus as PodSandboxStatusOut, ContainerMetadata,
} from './types.js';

export interface VersionResponse {
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

/** Absent sub-messages decode as null even with `defaults`. */
type Maybe<T> = T | null;

export interface PodSandbox {
  id: string;
  metadata: Maybe<PodSandboxMetadata>;
  state: PodSandboxState;
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PodSandboxStatus extends PodSandbox {
  network: Maybe<{ ip: string; additionalIps: Array<{ ip: string }> }>;
}

export interface Container {
  id: string;
  podSandboxId: string;
  metadata: Maybe<ContainerMetadata>;
  image: Maybe<{ image: string }>;
  imageRef: string;
  state: ContainerState;
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerStatus {
  id: string;
  metadata: Maybe<ContainerMetadata>;
  state: ContainerState;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  image: Maybe<{ image: string }>;
  imageRef: string;
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  logPath: string;
  mounts: Array<{ containerPath: string; hostPath: string; readonly: boolean; selinuxRelabel: boolean; propagation: Mount['propagation'] }>;
}

export interface Image {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
}

const noSandboxMetadata: PodSandboxMetadata = { name: '', uid: '', namespace: '', attempt: 0 };

export function podSandbox(s: PodSandbox): PodSandboxOut {
  return {
    id: s.id, metadata: s.metadata ?? noSandboxMetadata, state: s.state, createdAt: s.createdAt,
    labels: s.labels, annotations: s.annotations,
  };
}

export function podSandboxStatus(s: PodSandboxStatus): PodSandboxStatusOut {
  const out: PodSandboxStatusOut = podSandbox(s);
  // No IP: host-network pods, or a sandbox whose network is torn down.
  if (s.network && s.network.ip) {
    out.network = { ip: s.network.ip };
    if (s.network.additionalIps.length) out.network.additionalIps = s.network.additionalIps.map((a) => ({ ip: a.ip }));
  }
  return out;
}

export function container(c: Container): ContainerOut {
  return {
    id: c.id, podSandboxId: c.podSandboxId, metadata: c.metadata ?? { name: '', attempt: 0 }, image: { image: c.image?.image ?? '' },
    imageRef: c.imageRef, state: c.state, createdAt: c.createdAt, labels: c.labels, annotations: c.annotations,
  };
}

export function containerStatus(c: ContainerStatus): ContainerStatusOut {
  return {
    id: c.id, metadata: c.metadata ?? { name: '', attempt: 0 }, state: c.state, createdAt: c.createdAt, startedAt: c.startedAt,
    finishedAt: c.finishedAt, exitCode: c.exitCode, image: { image: c.image?.image ?? '' }, imageRef: c.imageRef,
    reason: c.reason, message: c.message, labels: c.labels, annotations: c.annotations, logPath: c.logPath,
    mounts: (c.mounts ?? []).map((m) => ({ containerPath: m.containerPath, hostPath: m.hostPath, readonly: m.readonly, propagation: m.propagation })),
  };
}

export function image(i: Image): ImageOut {
  return { id: i.id, repoTags: i.repoTags, repoDigests: i.repoDigests, size: i.size };
}
