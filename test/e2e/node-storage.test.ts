// Volumes on the real node agent: claims of the default local-path class are provisioned as
// directories under DIR/storage once their first pod is scheduled, keep their data across pods,
// and go with the claim; memory-backed emptyDirs are tmpfs mounts that go with the pod. Own
// bridge, pod range and cgroup parent; the machine is put back as found, which it asserts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mountsUnder } from '../../src/kubelet/containerd/host-state.js';
import { deletePods, HostGuard, nodeAgentSkip } from './node-harness.js';
import { eventually, TestCluster } from './harness.js';

const bridge = 'litekube-e2e4';
const podCIDR = '10.42.254.0/24';
const nodeName = 'e2e-storage';
const image = 'litekube.local/busybox:latest';

const podUsing = (name: string, claim: string, command: string): string => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: ${image}
      imagePullPolicy: Never
      command: [sh, -c, "${command}"]
      volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: ${claim}}}]
`;

describe('volumes on the node agent: local-path claims and memory emptyDirs', { skip: nodeAgentSkip }, () => {
  let cluster: TestCluster;
  let host: HostGuard;
  const cgroupParent = `/litekube-e2e-storage-${process.pid}`;
  before(async () => {
    host = new HostGuard(bridge);
    cluster = await TestCluster.start({ nodeAgent: { nodeName, bridge, podCIDR, cgroupParent, backOffInitialMs: 500 } });
    await eventually(async () => new RegExp(`^${nodeName}\\s+Ready\\s`, 'm').test(await cluster.ok(['get', 'nodes'])), 20_000, 'node Ready');
  });
  after(async () => {
    // Pods first (the agent removes their sandboxes and unmounts their volumes), then claims
    // (their volumes and directories go), then the agent and containerd, then whatever a failed
    // test left: processes, mounts, host state.
    await host.putBack(cluster, cgroupParent, [deletePods, ['delete', 'pvc', '--all', '--wait=true', '--timeout=30s']]);
  });

  it('kubectl get storageclass shows local-path as the default', async () => {
    const table = await cluster.ok(['get', 'storageclass']);
    assert.match(table, /^local-path \(default\)\s+rancher\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s/m);
  });

  it('a claim waits for its first pod, binds to a directory the next pod sees, and goes with its volume', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 64Mi}}
` });
    assert.equal(await cluster.ok(['get', 'pvc', 'data', '-o', 'jsonpath={.spec.storageClassName}']), 'local-path');
    await eventually(async () => (await cluster.ok(['get', 'events', '--field-selector', 'involvedObject.name=data', '-o', 'jsonpath={.items[*].reason}'])).includes('WaitForFirstConsumer'), 10_000, 'WaitForFirstConsumer');
    assert.match(await cluster.ok(['get', 'pvc', 'data']), /^data\s+Pending\s+local-path\s/m);
    assert.equal(await cluster.ok(['get', 'pv', '-o', 'name']), '', 'nothing provisioned before a pod uses the claim');

    await cluster.ok(['apply', '-f', '-'], { input: podUsing('writer', 'data', 'echo kept-across-pods > /data/file && exec sleep 3600') });
    await cluster.ok(['wait', '--for=condition=Ready', 'pod/writer', '--timeout=60s']);
    const uid = await cluster.ok(['get', 'pvc', 'data', '-o', 'jsonpath={.metadata.uid}']);
    assert.match(await cluster.ok(['get', 'pvc', 'data']), new RegExp(`^data\\s+Bound\\s+pvc-${uid}\\s+64Mi\\s+RWO\\s+local-path\\s`, 'm'));
    assert.match(await cluster.ok(['get', 'pv']), new RegExp(`^pvc-${uid}\\s+64Mi\\s+RWO\\s+Delete\\s+Bound\\s+default/data\\s+local-path\\s`, 'm'));
    assert.equal(await cluster.ok(['get', 'pvc', 'data', '-o', 'jsonpath={.metadata.annotations.volume\\.kubernetes\\.io/selected-node}']), nodeName);
    const dir = join(cluster.dataDir, 'storage', `pvc-${uid}_default_data`);
    assert.equal(await cluster.ok(['get', 'pv', `pvc-${uid}`, '-o', 'jsonpath={.spec.hostPath.path}']), dir);
    assert.equal(readFileSync(join(dir, 'file'), 'utf8'), 'kept-across-pods\n', 'the pod wrote into the directory on the host');
    const reasons = await cluster.ok(['get', 'events', '--field-selector', 'involvedObject.name=data', '-o', 'jsonpath={.items[*].reason}']);
    for (const reason of ['ExternalProvisioning', 'Provisioning', 'ProvisioningSucceeded']) assert.ok(reasons.includes(reason), `${reason} in ${reasons}`);

    await cluster.ok(['delete', 'pod', 'writer', '--grace-period=1', '--wait=true', '--timeout=30s']);
    await cluster.ok(['apply', '-f', '-'], { input: podUsing('reader', 'data', 'cat /data/file && exec sleep 3600') });
    await cluster.ok(['wait', '--for=condition=Ready', 'pod/reader', '--timeout=60s']);
    await eventually(async () => (await cluster.ok(['logs', 'reader'])) === 'kept-across-pods\n', 10_000, 'the reader to print the file');
    // pvc-protection: deleting a claim in use leaves it Terminating; the pod keeps running with it.
    await cluster.ok(['delete', 'pvc', 'data', '--wait=false']);
    await eventually(async () => /^data\s+Terminating\s/m.test(await cluster.ok(['get', 'pvc'])), 10_000, 'the claim Terminating');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await cluster.ok(['get', 'pod', 'reader', '-o', 'jsonpath={.status.phase} {.status.containerStatuses[0].restartCount}']), 'Running 0');
    assert.equal(await cluster.ok(['get', 'pvc', 'data', '-o', 'jsonpath={.metadata.finalizers}']), '["kubernetes.io/pvc-protection"]');
    await cluster.ok(['delete', 'pod', 'reader', '--grace-period=1', '--wait=true', '--timeout=30s']);

    await cluster.ok(['wait', '--for=delete', 'pvc/data', '--timeout=30s']);
    await eventually(async () => (await cluster.ok(['get', 'pv', '-o', 'name'])) === '', 15_000, 'the volume deleted');
    assert.equal(existsSync(dir), false, 'the directory is removed');
  });

  it('a pod whose claim does not exist is not scheduled, as kube-scheduler says', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: podUsing('orphan', 'nope', 'sleep 3600') });
    const message = await eventually(async () => {
      const text = await cluster.ok(['get', 'events', '--field-selector', 'involvedObject.name=orphan,reason=FailedScheduling', '-o', 'jsonpath={.items[*].message}']);
      return text || undefined;
    }, 10_000, 'FailedScheduling');
    assert.equal(message, '0/1 nodes are available: persistentvolumeclaim "nope" not found. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.');
    assert.match(await cluster.ok(['get', 'pod', 'orphan']), /^orphan\s+0\/1\s+Pending\s/m);
    await cluster.ok(['delete', 'pod', 'orphan', '--wait=true', '--timeout=30s']);
  });

  it('a generic ephemeral volume gets a claim owned by its pod, provisioned on the node, gone with the pod', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: `apiVersion: v1
kind: Pod
metadata: {name: eph}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: ${image}
      imagePullPolicy: Never
      command: [sh, -c, "echo scratch > /scratch/file && exec sleep 3600"]
      volumeMounts: [{name: scratch, mountPath: /scratch}]
  volumes:
    - name: scratch
      ephemeral:
        volumeClaimTemplate:
          spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 16Mi}}}
` });
    await cluster.ok(['wait', '--for=condition=Ready', 'pod/eph', '--timeout=60s']);
    assert.equal(await cluster.ok(['get', 'pvc', 'eph-scratch', '-o', 'jsonpath={.status.phase} {.spec.storageClassName} {.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}']), 'Bound local-path Pod/eph');
    assert.equal(await cluster.ok(['exec', 'eph', '--', 'cat', '/scratch/file']), 'scratch\n');
    const volume = await cluster.ok(['get', 'pvc', 'eph-scratch', '-o', 'jsonpath={.spec.volumeName}']);
    await cluster.ok(['delete', 'pod', 'eph', '--grace-period=1', '--wait=true', '--timeout=30s']);
    await cluster.ok(['wait', '--for=delete', 'pvc/eph-scratch', '--timeout=30s']);
    await eventually(async () => (await cluster.kubectl(['get', 'pv', volume])).code !== 0, 15_000, 'the volume deleted');
  });

  it('an emptyDir with medium Memory is a tmpfs of its sizeLimit, unmounted when the pod goes', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: `apiVersion: v1
kind: Pod
metadata: {name: ram}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: ${image}
      imagePullPolicy: Never
      command: [sh, -c, "echo in-memory > /cache/file && exec sleep 3600"]
      volumeMounts: [{name: cache, mountPath: /cache}]
  volumes: [{name: cache, emptyDir: {medium: Memory, sizeLimit: 32Mi}}]
` });
    await cluster.ok(['wait', '--for=condition=Ready', 'pod/ram', '--timeout=60s']);
    const mount = await cluster.ok(['exec', 'ram', '--', 'grep', ' /cache ', '/proc/mounts']);
    assert.match(mount, /^tmpfs \/cache tmpfs rw,.*size=32768k/m);
    assert.equal(await cluster.ok(['exec', 'ram', '--', 'cat', '/cache/file']), 'in-memory\n');
    const pods = join(cluster.dataDir, 'kubelet', 'pods');
    assert.equal(mountsUnder(pods).length, 1, 'one tmpfs under the pod directories on the host');
    await cluster.ok(['delete', 'pod', 'ram', '--grace-period=1', '--wait=true', '--timeout=30s']);
    assert.deepEqual(mountsUnder(pods), [], 'no mount left once the pod is gone');
  });
});
