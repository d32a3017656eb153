import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../api/types.js';
import type { PodSandboxConfig, PortMapping } from './cri/types.js';
import { podDnsConfig, type DnsOptions } from './dns.js';
import { podLabels } from './labels.js';
import { podSpecOf } from './pod-spec.js';

/** Where a pod's container logs go: `<dataDir>/pods/<ns>_<name>_<uid>` (kubelet's /var/log/pods layout). */
export const podLogDir = (dataDir: string, pod: KubeObject): string =>
  join(dataDir, 'pods', `${pod.metadata.namespace ?? ''}_${pod.metadata.name ?? ''}_${pod.metadata.uid ?? ''}`);

/** Where a pod's volumes and other files go: `<dataDir>/pods/<uid>` (kubelet's /var/lib/kubelet/pods). */
export const podDir = (dataDir: string, uid: string): string => join(dataDir, 'pods', uid);

/** The CRI sandbox config kubelet's generatePodSandboxConfig makes for the pod. */
export async function sandboxConfig(pod: KubeObject, attempt: number, dataDir: string, dns: DnsOptions, cgroupParent?: string): Promise<PodSandboxConfig> {
  const spec = podSpecOf(pod);
  const namespace = pod.metadata.namespace ?? 'default';
  const portMappings: PortMapping[] = [];
  for (const c of spec.containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      portMappings.push({ protocol: p.protocol ?? 'TCP', containerPort: p.containerPort, hostPort: p.hostPort, ...(p.hostIP ? { hostIp: p.hostIP } : {}) });
    }
  }
  const sysctls = Object.fromEntries((spec.securityContext?.sysctls ?? []).map((s) => [s.name, s.value]));
  const privileged = [...spec.containers, ...(spec.initContainers ?? [])].some((c) => c.securityContext?.privileged === true);
  return {
    metadata: { name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '', namespace, attempt },
    hostname: spec.hostNetwork ? osHostname() : (spec.hostname ?? pod.metadata.name ?? '').slice(0, 63),
    logDirectory: podLogDir(dataDir, pod),
    dnsConfig: await podDnsConfig(spec, namespace, dns),
    portMappings,
    labels: { ...(pod.metadata.labels ?? {}), ...podLabels(pod) },
    annotations: { ...(pod.metadata.annotations ?? {}) },
    linux: {
      ...(cgroupParent ? { cgroupParent } : {}),
      securityContext: { namespaceOptions: { network: spec.hostNetwork ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' }, privileged },
      ...(Object.keys(sysctls).length > 0 ? { sysctls } : {}),
    },
  };
}
