import assert from 'node:assert/strict';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../client/testing.js';
import { containerStatuses, nodeName, pod, podsRef, startKubelet, statusOf } from './test-helpers.js';

test('registers a Ready node with the runtime version and a lease', async () => {
  const h = await startKubelet();
  try {
    // The Node is created first, its status posted right after.
    const node = await waitFor('node status', async () => {
      const current = await h.api.client.get({ apiVersion: 'v1', plural: 'nodes' }, undefined, nodeName);
      return (statusOf(current) as { nodeInfo?: unknown }).nodeInfo ? current : undefined;
    });
    const status = statusOf(node) as { nodeInfo: { containerRuntimeVersion: string }; conditions: Array<{ type: string; status: string }> };
    assert.equal(status.nodeInfo.containerRuntimeVersion, 'containerd://1.6.20');
    assert.ok(status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'));
    await waitFor('lease', () => h.api.client.get({ apiVersion: 'coordination.k8s.io/v1', plural: 'leases' }, 'kube-node-lease', nodeName));
  } finally {
    await h.stop();
  }
});

test('a bound pod gets a sandbox and its containers, and goes Running and Ready with the sandbox IP', async () => {
  const h = await startKubelet();
  try {
    await h.api.client.create(podsRef, 'default', pod('web', { containers: [{ name: 'app', image: 'busybox:1.36', command: ['sh'], args: ['-c', 'echo $(GREETING)'], env: [{ name: 'GREETING', value: 'hi' }], resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '250m' } } }] }));
    const running = await waitFor('running', async () => {
      const p = await h.api.client.get(podsRef, 'default', 'web');
      const ready = (statusOf(p).conditions as Array<{ type: string; status: string }> | undefined)?.find((c) => c.type === 'Ready');
      return statusOf(p).phase === 'Running' && ready?.status === 'True' ? p : undefined;
    });
    const [sandbox] = h.runtime.sandboxes.values();
    assert.ok(sandbox);
    assert.equal(statusOf(running).podIP, sandbox.ip);
    assert.equal(statusOf(running).hostIP, '192.168.1.10');
    assert.equal(sandbox.config.labels?.['io.kubernetes.pod.uid'], running.metadata.uid);
    assert.deepEqual(sandbox.config.dnsConfig?.searches, ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
    assert.deepEqual(sandbox.config.dnsConfig?.servers, ['10.43.0.10']);
    const [cs] = containerStatuses(running);
    assert.ok(cs?.state.running);
    assert.equal(cs?.ready, true);
    assert.match(cs?.containerID, /^containerd:\/\//);
    const config = h.runtime.configOf('app');
    assert.deepEqual(config?.args, ['-c', 'echo hi']);
    assert.equal(config?.linux?.resources?.cpuShares, 256);
    assert.equal(config?.linux?.resources?.cpuQuota, 50_000);
    assert.equal(config?.linux?.resources?.memoryLimitInBytes, 64 * 2 ** 20);
  } finally {
    await h.stop();
  }
});

test('a Never pod whose container exits 3 ends Failed with exit code 3, reason Error', async () => {
  const h = await startKubelet();
  try {
    await h.api.client.create(podsRef, 'default', pod('job', { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36', command: ['exit', '3'] }] }));
    const failed = await waitFor('failed', async () => {
      const p = await h.api.client.get(podsRef, 'default', 'job');
      return statusOf(p).phase === 'Failed' ? p : undefined;
    });
    const terminated = containerStatuses(failed)[0]?.state.terminated;
    assert.equal(terminated?.exitCode, 3);
    assert.equal(terminated?.reason, 'Error');
    assert.equal([...h.runtime.containers.values()].length, 1, 'not restarted');
  } finally {
    await h.stop();
  }
});

test('an Always pod restarts its crashing container with CrashLoopBackOff in between', async () => {
  const h = await startKubelet();
  try {
    await h.api.client.create(podsRef, 'default', pod('crash', { containers: [{ name: 'main', image: 'busybox:1.36', command: ['exit', '1'] }] }));
    let sawBackOff = false;
    await waitFor('two restarts', async () => {
      const p = await h.api.client.get(podsRef, 'default', 'crash');
      const cs = containerStatuses(p)[0];
      if (cs?.state.waiting?.reason === 'CrashLoopBackOff') {
        sawBackOff = true;
        assert.ok(cs.restartCount >= 1);
        assert.equal(cs.lastState.terminated?.exitCode, 1);
      }
      return (cs?.restartCount ?? 0) >= 2;
    });
    assert.ok(sawBackOff, 'saw CrashLoopBackOff');
  } finally {
    await h.stop();
  }
});

test('init containers run in order before the app containers', async () => {
  const h = await startKubelet();
  try {
    await h.api.client.create(podsRef, 'default', pod('init', {
      initContainers: [{ name: 'first', image: 'busybox:1.36', command: ['exit', '0'] }, { name: 'second', image: 'busybox:1.36', command: ['sleep', '50'] }],
      containers: [{ name: 'app', image: 'busybox:1.36' }],
    }));
    const p = await waitFor('running', async () => {
      const p = await h.api.client.get(podsRef, 'default', 'init');
      return statusOf(p).phase === 'Running' ? p : undefined;
    });
    const starts = h.runtime.calls.filter((c) => c.op === 'startContainer').map((c) => c.name);
    assert.deepEqual(starts, ['first', 'second', 'app']);
    const inits = containerStatuses(p, 'initContainerStatuses');
    assert.deepEqual(inits.map((s) => s.state.terminated?.reason), ['Completed', 'Completed']);
  } finally {
    await h.stop();
  }
});

test('env from fieldRef and configMapKeyRef reaches the container config', async () => {
  const h = await startKubelet();
  try {
    await h.api.client.create({ apiVersion: 'v1', plural: 'configmaps' }, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'fast' } });
    await h.api.client.create(podsRef, 'default', pod('envy', {
      containers: [{
        name: 'app', image: 'busybox:1.36',
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
        ],
      }],
    }));
    const config = await waitFor('container', () => h.runtime.configOf('app'));
    const env = Object.fromEntries((config.envs ?? []).map((e) => [e.key, e.value]));
    assert.equal(env.POD_NAME, 'envy');
    assert.match(env.POD_IP ?? '', /^10\.42\.0\.\d+$/);
    assert.equal(env.NODE, nodeName);
    assert.equal(env.MODE, 'fast');
  } finally {
    await h.stop();
  }
});

test('a configMap volume is written and updated when the ConfigMap changes', async () => {
  const h = await startKubelet();
  try {
    const cmRef = { apiVersion: 'v1', plural: 'configmaps' };
    await h.api.client.create(cmRef, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'files' }, data: { 'app.conf': 'v1' } });
    const created = await h.api.client.create(podsRef, 'default', pod('vol', {
      volumes: [{ name: 'conf', configMap: { name: 'files' } }, { name: 'scratch', emptyDir: {} }],
      containers: [{ name: 'app', image: 'busybox:1.36', volumeMounts: [{ name: 'conf', mountPath: '/etc/app' }, { name: 'scratch', mountPath: '/tmp/x' }] }],
    }));
    const config = await waitFor('container', () => h.runtime.configOf('app'));
    const mount = config.mounts?.find((m) => m.containerPath === '/etc/app');
    assert.ok(mount);
    assert.ok(mount.hostPath.startsWith(join(h.dataDir, 'pods', created.metadata.uid ?? '')));
    assert.ok(config.mounts?.some((m) => m.containerPath === '/tmp/x'));
    assert.ok(config.mounts?.some((m) => m.containerPath === '/etc/hosts'));
    assert.equal(await readFile(join(mount.hostPath, 'app.conf'), 'utf8'), 'v1');
    await h.api.client.patch(cmRef, 'default', 'files', 'merge', { data: { 'app.conf': 'v2' } });
    await waitFor('updated file', async () => (await readFile(join(mount.hostPath, 'app.conf'), 'utf8')) === 'v2');
  } finally {
    await h.stop();
  }
});

test('deleting the pod stops its containers, removes the sandbox and deletes the pod', async () => {
  const h = await startKubelet();
  try {
    await h.api.client.create(podsRef, 'default', pod('gone', { terminationGracePeriodSeconds: 5, containers: [{ name: 'app', image: 'busybox:1.36' }] }));
    await waitFor('running', async () => statusOf(await h.api.client.get(podsRef, 'default', 'gone')).phase === 'Running');
    await h.api.client.delete(podsRef, 'default', 'gone');
    await waitFor('pod removed', async () => {
      try {
        await h.api.client.get(podsRef, 'default', 'gone');
        return false;
      } catch (error: unknown) {
        return (error as { code?: number }).code === 404;
      }
    });
    assert.ok(h.runtime.calls.some((c) => c.op === 'stopContainer' && c.name === 'app:5'), 'stopped with the grace period');
    assert.equal(h.runtime.sandboxes.size, 0);
  } finally {
    await h.stop();
  }
});

test('pod directories of pods the node no longer has are removed; those of its pods stay', async () => {
  const h = await startKubelet();
  try {
    // What a pod deleted while litekube was stopped leaves: its volumes and its logs.
    const gone = '0b6c1f0e-0000-4000-8000-000000000001';
    await mkdir(join(h.dataDir, 'pods', gone, 'volumes', 'kubernetes.io~empty-dir', 'cache'), { recursive: true });
    await mkdir(join(h.dataDir, 'pods', `default_old_${gone}`, 'app'), { recursive: true });
    await h.api.client.create(podsRef, 'default', pod('kept', { containers: [{ name: 'app', image: 'busybox:1.36' }] }));
    const kept = await waitFor('running', async () => {
      const p = await h.api.client.get(podsRef, 'default', 'kept');
      return statusOf(p).phase === 'Running' ? p : undefined;
    });
    await waitFor('orphans removed', async () => (await readdir(join(h.dataDir, 'pods'))).some((n) => n.includes(gone)) ? undefined : true);
    const left = await readdir(join(h.dataDir, 'pods'));
    assert.ok(left.includes(kept.metadata.uid!), `the running pod's directory stays: ${left.join(', ')}`);
  } finally {
    await h.stop();
  }
});
