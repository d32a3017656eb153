// The scheduler's view of the cluster: nodes with the pods placed on them, including pods
// this scheduler has just bound ("assumed") but the informer has not yet reported as bound.
import { fitRequests, units } from './plugins/node-resources.js';
import { nodeAllocatable, podNonZeroRequests, podRequests } from './resources.js';
import type { PodVolumes } from './plugins/volume-binding.js';
import type { Node, Pod, PodAffinityTerm, Resources } from './types.js';

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

/** A pod with what the filters and scores need computed once. */
export interface PodInfo {
  key: string;
  pod: Pod;
  namespace: string;
  labels: Record<string, string>;
  priority: number;
  requests: Resources;
  /** Non-zero requests in NodeResourcesFit's checking order, in integer units. */
  fitRequests: Array<[string, number]>;
  nonZero: { cpu: number; memory: number };
  hostPorts: HostPort[];
  requiredAffinity: PodAffinityTerm[];
  requiredAntiAffinity: PodAffinityTerm[];
  hasAffinity: boolean;
  /** The pod's claims as VolumeBinding's PreFilter found them (set per scheduling attempt). */
  volumes?: PodVolumes;
}

export const podKey = (pod: Pod): string => `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;

export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

export function newPodInfo(pod: Pod): PodInfo {
  const affinity = pod.spec?.affinity;
  const requiredAffinity = affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  const requiredAntiAffinity = affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  const hasAffinity = requiredAffinity.length > 0 || requiredAntiAffinity.length > 0
    || (affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0
    || (affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0;
  const requests = podRequests(pod);
  return {
    key: podKey(pod),
    pod,
    namespace: pod.metadata.namespace ?? 'default',
    labels: pod.metadata.labels ?? {},
    priority: pod.spec?.priority ?? 0,
    requests,
    fitRequests: fitRequests(requests),
    nonZero: podNonZeroRequests(pod),
    hostPorts: podHostPorts(pod),
    requiredAffinity,
    requiredAntiAffinity,
    hasAffinity,
  };
}

/** One node and what is placed on it. */
export class NodeInfo {
  node: Node | undefined;
  allocatable: Resources = new Map();
  readonly pods = new Map<string, PodInfo>();
  readonly requested: Resources = new Map();
  /** allocatable and requested in integer units (milli-cpu, bytes), for exact fit checks. */
  allocatableUnits = new Map<string, number>();
  readonly requestedUnits = new Map<string, number>();
  readonly nonZeroRequested = { cpu: 0, memory: 0 };
  /** Pods here with any pod (anti-)affinity; pods with required anti-affinity. */
  readonly podsWithAffinity = new Set<PodInfo>();
  readonly podsWithRequiredAntiAffinity = new Set<PodInfo>();

  constructor(readonly name: string) {}

  get labels(): Record<string, string> {
    return this.node?.metadata.labels ?? {};
  }

  setNode(node: Node): void {
    this.node = node;
    this.allocatable = nodeAllocatable(node);
    this.allocatableUnits = new Map([...this.allocatable].map(([name, value]) => [name, units(name, value)]));
  }

  addPod(info: PodInfo): void {
    this.removePod(info.key);
    this.pods.set(info.key, info);
    for (const [name, value] of info.requests) {
      this.requested.set(name, (this.requested.get(name) ?? 0) + value);
      this.requestedUnits.set(name, (this.requestedUnits.get(name) ?? 0) + units(name, value));
    }
    this.nonZeroRequested.cpu += info.nonZero.cpu;
    this.nonZeroRequested.memory += info.nonZero.memory;
    if (info.hasAffinity) this.podsWithAffinity.add(info);
    if (info.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity.add(info);
  }

  removePod(key: string): PodInfo | undefined {
    const info = this.pods.get(key);
    if (!info) return undefined;
    this.pods.delete(key);
    for (const [name, value] of info.requests) {
      this.requested.set(name, (this.requested.get(name) ?? 0) - value);
      this.requestedUnits.set(name, (this.requestedUnits.get(name) ?? 0) - units(name, value));
    }
    this.nonZeroRequested.cpu -= info.nonZero.cpu;
    this.nonZeroRequested.memory -= info.nonZero.memory;
    this.podsWithAffinity.delete(info);
    this.podsWithRequiredAntiAffinity.delete(info);
    return info;
  }
}

/** Nodes and placed pods, kept current from informer events plus assumed pods. */
export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  /** Where each placed pod is (pod key → node name). */
  private readonly podNode = new Map<string, string>();
  private readonly assumed = new Set<string>();
  private nodeListCache: NodeInfo[] | undefined;

  nodeCount(): number {
    return this.list().length;
  }

  /** The nodes that exist (a NodeInfo may outlive its Node while pods still name it). */
  list(): NodeInfo[] {
    if (!this.nodeListCache) this.nodeListCache = [...this.nodes.values()].filter((n) => n.node !== undefined);
    return this.nodeListCache;
  }

  getNode(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  private info(name: string): NodeInfo {
    let info = this.nodes.get(name);
    if (!info) {
      info = new NodeInfo(name);
      this.nodes.set(name, info);
    }
    return info;
  }

  upsertNode(node: Node): void {
    const name = node.metadata.name ?? '';
    const info = this.info(name);
    if (!info.node) this.nodeListCache = undefined;
    info.setNode(node);
  }

  removeNode(name: string): void {
    const info = this.nodes.get(name);
    if (!info) return;
    info.node = undefined;
    if (info.pods.size === 0) this.nodes.delete(name);
    this.nodeListCache = undefined;
  }

  /** Records a placed pod (from the informer); it replaces an assumed copy. */
  upsertPod(pod: Pod): void {
    const key = podKey(pod);
    const nodeName = pod.spec?.nodeName ?? '';
    if (!nodeName) return;
    this.assumed.delete(key);
    this.removePod(key);
    this.info(nodeName).addPod(newPodInfo(pod));
    this.podNode.set(key, nodeName);
  }

  removePod(key: string): void {
    const nodeName = this.podNode.get(key);
    if (nodeName === undefined) return;
    this.podNode.delete(key);
    this.assumed.delete(key);
    const info = this.nodes.get(nodeName);
    if (!info) return;
    info.removePod(key);
    if (!info.node && info.pods.size === 0) this.nodes.delete(nodeName);
  }

  /** Places a pod the scheduler is binding, before the API confirms it. */
  assume(info: PodInfo, nodeName: string): void {
    this.removePod(info.key);
    const pod: Pod = { ...info.pod, spec: { ...info.pod.spec, nodeName } };
    this.info(nodeName).addPod({ ...info, pod });
    this.podNode.set(info.key, nodeName);
    this.assumed.add(info.key);
  }

  /** Drops an assumed pod whose binding failed (a pod the informer confirmed stays). */
  forget(key: string): void {
    if (this.assumed.has(key)) this.removePod(key);
  }

  isAssumed(key: string): boolean {
    return this.assumed.has(key);
  }

  hasPod(key: string): boolean {
    return this.podNode.has(key);
  }
}
