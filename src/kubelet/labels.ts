import type { KubeObject } from '../api/types.js';

/**
 * The labels and annotations kubelet puts on CRI sandboxes and containers. They are how a
 * (restarted) kubelet finds a pod's sandbox and containers again: the runtime is the record.
 */
export const podUidLabel = 'io.kubernetes.pod.uid';
export const podNameLabel = 'io.kubernetes.pod.name';
export const podNamespaceLabel = 'io.kubernetes.pod.namespace';
export const containerNameLabel = 'io.kubernetes.container.name';
export const restartCountAnnotation = 'io.kubernetes.container.restartCount';
export const containerKindAnnotation = 'io.kubernetes.container.kind';
export const terminationGraceAnnotation = 'io.kubernetes.pod.terminationGracePeriod';
export const containerHashAnnotation = 'io.kubernetes.container.hash';
export const terminationMessagePathAnnotation = 'io.kubernetes.container.terminationMessagePath';
export const terminationMessagePolicyAnnotation = 'io.kubernetes.container.terminationMessagePolicy';

export function podLabels(pod: KubeObject): Record<string, string> {
  return {
    [podUidLabel]: pod.metadata.uid ?? '',
    [podNameLabel]: pod.metadata.name ?? '',
    [podNamespaceLabel]: pod.metadata.namespace ?? '',
  };
}
