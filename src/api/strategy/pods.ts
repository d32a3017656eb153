import type { KubeObject, ResourceStrategy } from '../types.js';
import { arr, obj, str } from '../printing/values.js';

/** A pod's QoS class from its containers' requests and limits (qos.GetPodQOS). */
export function podQosClass(pod: KubeObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const spec = obj(pod.spec);
  const containers = [...arr(spec.containers), ...arr(spec.initContainers)].map(obj);
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const resources = obj(c.resources);
    const limits = obj(resources.limits);
    const requests = { ...limits, ...obj(resources.requests) };
    const names = new Set([...Object.keys(limits), ...Object.keys(requests)].filter((n) => n === 'cpu' || n === 'memory'));
    if (names.size) any = true;
    for (const n of ['cpu', 'memory']) {
      if (limits[n] === undefined || String(requests[n]) !== String(limits[n])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/**
 * pods/binding: the only way spec.nodeName is set. Takes nodeName and the PodScheduled
 * condition from `incoming`, everything else from the stored pod.
 */
export function bindPod(incoming: KubeObject, old: KubeObject): KubeObject {
  const result = structuredClone(old);
  result.metadata.resourceVersion = incoming.metadata.resourceVersion;
  result.metadata.managedFields = incoming.metadata.managedFields ?? old.metadata.managedFields;
  const spec = obj(result.spec);
  spec.nodeName = obj(incoming.spec).nodeName;
  result.spec = spec;
  const status = obj(result.status);
  status.conditions = obj(incoming.status).conditions ?? status.conditions;
  result.status = status;
  return result;
}

/** Pod strategy beyond validation: status on create, graceful deletion, field selectors. */
export const podStrategy: Partial<ResourceStrategy> = {
  prepareForCreate(pod) {
    pod.status = { phase: 'Pending', qosClass: podQosClass(pod) };
  },
  prepareForUpdate(pod, old) {
    pod.status = structuredClone(old.status);
  },
  prepareForStatusUpdate(pod, old) {
    // Only status (and nodeName via binding) changes through /status.
    const status = pod.status;
    const metadata = pod.metadata;
    Object.assign(pod, structuredClone(old));
    pod.status = status;
    pod.metadata = { ...structuredClone(old.metadata), resourceVersion: metadata.resourceVersion, managedFields: metadata.managedFields ?? old.metadata.managedFields };
  },
  deletionGracePeriod(pod, requested) {
    const spec = obj(pod.spec);
    const phase = str(obj(pod.status).phase);
    // Unscheduled and finished pods have no kubelet to wait for.
    if (!str(spec.nodeName) || phase === 'Succeeded' || phase === 'Failed') return 0;
    if (requested !== undefined) return requested;
    const fromSpec = spec.terminationGracePeriodSeconds;
    return typeof fromSpec === 'number' && fromSpec >= 0 ? fromSpec : 30;
  },
  selectableFields(pod) {
    const spec = obj(pod.spec);
    const status = obj(pod.status);
    return {
      'spec.nodeName': str(spec.nodeName),
      'spec.restartPolicy': str(spec.restartPolicy),
      'spec.schedulerName': str(spec.schedulerName),
      'spec.serviceAccountName': str(spec.serviceAccountName),
      'spec.hostNetwork': spec.hostNetwork === true ? 'true' : 'false',
      'status.phase': str(status.phase),
      'status.podIP': str(status.podIP),
      'status.nominatedNodeName': str(status.nominatedNodeName),
    };
  },
};

/** Namespaces: created Active with the `kubernetes` finalizer; deleting makes them Terminating. */
export const namespaceStrategy: Partial<ResourceStrategy> = {
  prepareForCreate(namespace) {
    namespace.spec = { finalizers: ['kubernetes'] };
    namespace.status = { phase: 'Active' };
  },
  prepareForUpdate(namespace, old) {
    namespace.spec = structuredClone(old.spec);
    namespace.status = structuredClone(old.status);
  },
  prepareForDeletion(namespace) {
    namespace.status = { ...obj(namespace.status), phase: 'Terminating' };
  },
  deletionBlocked(namespace) {
    return arr(obj(namespace.spec).finalizers).length > 0;
  },
  selectableFields(namespace) {
    return { 'status.phase': str(obj(namespace.status).phase) };
  },
};

/** namespaces/finalize writes spec.finalizers only. */
export function finalizeNamespace(incoming: KubeObject, old: KubeObject): KubeObject {
  const result = structuredClone(old);
  result.spec = { ...obj(old.spec), finalizers: arr(obj(incoming.spec).finalizers) };
  return result;
}
