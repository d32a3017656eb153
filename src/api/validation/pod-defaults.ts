import type { KubeObject } from '../types.js';
import { arr, obj, type Obj } from '../printing/values.js';

/** Defaults of a PodSpec wherever it appears (pods and every template): SetDefaults_PodSpec and friends. */
export function defaultPodSpec(spec: Obj): void {
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.restartPolicy ??= 'Always';
  if (spec.securityContext === undefined || spec.securityContext === null) spec.securityContext = {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  for (const container of [...arr(spec.containers), ...arr(spec.initContainers)]) defaultContainer(obj(container));
  for (const container of arr(spec.ephemeralContainers)) defaultContainer(obj(container));
  for (const volume of arr(spec.volumes)) defaultVolume(obj(volume));
}

/** imagePullPolicy from the tag: `latest` or no tag pulls Always, otherwise IfNotPresent. */
export function pullPolicyFor(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  const tag = colon >= 0 ? lastSegment.slice(colon + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(container: Obj): void {
  container.imagePullPolicy ??= pullPolicyFor(container.image);
  container.terminationMessagePath ??= '/dev/termination-log';
  container.terminationMessagePolicy ??= 'File';
  if (container.resources === undefined || container.resources === null) container.resources = {};
  for (const port of arr(container.ports)) obj(port).protocol ??= 'TCP';
  for (const env of arr(container.env)) {
    const fieldRef = obj(obj(obj(env).valueFrom).fieldRef);
    if (Object.keys(fieldRef).length) fieldRef.apiVersion ??= 'v1';
  }
  for (const probeName of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const probe = container[probeName];
    if (probe && typeof probe === 'object') defaultProbe(probe as Obj);
  }
}

function defaultProbe(probe: Obj): void {
  probe.timeoutSeconds ??= 1;
  probe.periodSeconds ??= 10;
  probe.successThreshold ??= 1;
  probe.failureThreshold ??= 3;
  const httpGet = probe.httpGet;
  if (httpGet && typeof httpGet === 'object') {
    (httpGet as Obj).path ??= '/';
    (httpGet as Obj).scheme ??= 'HTTP';
  }
}

function defaultVolume(volume: Obj): void {
  // A volume without a source is an emptyDir (SetDefaults_Volume).
  const sources = Object.keys(volume).filter((k) => k !== 'name');
  if (sources.length === 0) volume.emptyDir = {};
  for (const source of ['configMap', 'secret', 'downwardAPI', 'projected']) {
    const v = volume[source];
    if (v && typeof v === 'object') (v as Obj).defaultMode ??= 420;
  }
  const hostPath = volume.hostPath;
  if (hostPath && typeof hostPath === 'object') (hostPath as Obj).type ??= '';
  const downwardItems = [obj(volume.downwardAPI).items, ...arr(obj(volume.projected).sources).map((s) => obj(obj(s).downwardAPI).items)];
  for (const item of downwardItems.flatMap(arr)) {
    const fieldRef = obj(obj(item).fieldRef);
    if (Object.keys(fieldRef).length) fieldRef.apiVersion ??= 'v1';
  }
  // SetDefaults_ServiceAccountTokenProjection.
  for (const source of arr(obj(volume.projected).sources)) {
    const token = obj(source).serviceAccountToken;
    if (token && typeof token === 'object') (token as Obj).expirationSeconds ??= 3600;
  }
}

/** Tolerations the DefaultTolerationSeconds admission plugin adds to every pod. */
const defaultTolerations = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

/**
 * A pod's own defaults: the PodSpec defaults plus what SetDefaults_Pod and the admission
 * plugins every cluster runs (ServiceAccount, DefaultTolerationSeconds, Priority) add.
 */
export function defaultPod(pod: KubeObject): void {
  if (pod.spec === undefined || pod.spec === null || typeof pod.spec !== 'object' || Array.isArray(pod.spec)) return;
  const spec = pod.spec as Obj;
  defaultPodSpec(spec);
  spec.enableServiceLinks ??= true;
  for (const container of [...arr(spec.containers), ...arr(spec.initContainers)]) {
    // Requests default to limits when only limits are set.
    const resources = obj(obj(container).resources);
    const limits = obj(resources.limits);
    if (Object.keys(limits).length) resources.requests = { ...limits, ...obj(resources.requests) };
  }
  if (spec.serviceAccountName === undefined || spec.serviceAccountName === '') {
    spec.serviceAccountName = typeof spec.serviceAccount === 'string' && spec.serviceAccount ? spec.serviceAccount : 'default';
  }
  spec.serviceAccount = spec.serviceAccountName;
  if (!Array.isArray(spec.tolerations)) spec.tolerations = spec.tolerations === undefined || spec.tolerations === null ? [] : spec.tolerations;
  const tolerations = spec.tolerations as unknown[];
  if (Array.isArray(tolerations)) {
    for (const wanted of defaultTolerations) {
      const present = tolerations.some((t) => {
        const o = obj(t);
        return (o.key === wanted.key || o.key === undefined || o.key === '') && (o.effect === undefined || o.effect === '' || o.effect === 'NoExecute') && (o.operator === 'Exists' || o.key === wanted.key);
      });
      if (!present) tolerations.push({ ...wanted });
    }
  }
  spec.priority ??= 0;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
}
