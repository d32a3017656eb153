// Container lifecycle on the real node agent (containerd + runc): memory limits and the OOM
// killer, crash-loop back-off, termination messages, postStart/preStop hooks and the grace
// period of a deletion. Its own bridge, pod range and cgroup parent; the machine is put back
// as it was found, which it asserts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deletePods, HostGuard, nodeAgentSkip } from './node-harness.js';
import { eventually, TestCluster } from './harness.js';

const bridge = 'litekube-e2e3';
const podCIDR = '10.42.253.0/24';
const nodeName = 'e2e-lifecycle';
const image = 'litekube.local/busybox:latest';
/** First crash-loop back-off: 2 s, 4 s, 8 s … keeps the test short and each step visible. */
const backOffInitialMs = 2000;

/** A cgroup v1 file of the container (containerd's cgroupfs layout: <parent>/<container id>). */
const cgroupFile = (parent: string, controller: string, containerID: string, file: string): string =>
  readFileSync(join('/sys/fs/cgroup', controller, parent, containerID.replace(/^containerd:\/\//, ''), file), 'utf8').trim();

const cgroupV1Memory = existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes');

interface Terminated {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
}

describe('the node agent runs the container lifecycle with containerd', { skip: nodeAgentSkip }, () => {
  let cluster: TestCluster;
  let host: HostGuard;
  const cgroupParent = `/litekube-e2e3-${process.pid}`;
  before(async () => {
    host = new HostGuard(bridge);
    cluster = await TestCluster.start({ nodeAgent: { nodeName, bridge, podCIDR, cgroupParent, backOffInitialMs } });
    await eventually(async () => new RegExp(`^${nodeName}\\s+Ready\\s`, 'm').test(await cluster.ok(['get', 'nodes'])), 20_000, 'node Ready');
  });
  after(async () => {
    // Pods first (the agent removes their sandboxes), then the agent and containerd, then
    // whatever a failed test left: processes, mounts, host state.
    await host.putBack(cluster, cgroupParent, [deletePods]);
  });

  it('requests and limits reach the cgroups: cpu shares and quota, memory and memory+swap limits, OOM score', { skip: cgroupV1Memory ? false : 'asserts cgroup v1 files' }, async () => {
    await cluster.ok(['apply', '-f', '-'], { input: `apiVersion: v1
kind: Pod
metadata: {name: limited}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: ${image}
      imagePullPolicy: Never
      command: [sleep, "3600"]
      resources: {requests: {cpu: 250m, memory: 16Mi}, limits: {cpu: 500m, memory: 32Mi}}
` });
    await cluster.ok(['wait', '--for=condition=Ready', 'pod/limited', '--timeout=30s']);
    assert.equal(await cluster.ok(['get', 'pod', 'limited', '-o', 'jsonpath={.status.qosClass}']), 'Burstable');
    const id = await cluster.ok(['get', 'pod', 'limited', '-o', 'jsonpath={.status.containerStatuses[0].containerID}']);
    assert.equal(cgroupFile(cgroupParent, 'memory', id, 'memory.limit_in_bytes'), String(32 * 2 ** 20));
    assert.equal(cgroupFile(cgroupParent, 'memory', id, 'memory.memsw.limit_in_bytes'), String(32 * 2 ** 20), 'no swap beyond the limit');
    assert.equal(cgroupFile(cgroupParent, 'cpu', id, 'cpu.shares'), '256');
    assert.equal(cgroupFile(cgroupParent, 'cpu', id, 'cpu.cfs_period_us'), '100000');
    assert.equal(cgroupFile(cgroupParent, 'cpu', id, 'cpu.cfs_quota_us'), '50000');
    // Burstable: 1000 − 1000·16Mi/node memory, i.e. 999 on any node with more than 16 GiB… or a bit less.
    const adj = Number(await cluster.ok(['exec', 'limited', '--', 'cat', '/proc/1/oom_score_adj']));
    assert.ok(adj >= 900 && adj <= 999, `oom_score_adj ${adj}`);
    await cluster.ok(['delete', 'pod', 'limited', '--grace-period=1', '--wait=true', '--timeout=30s']);
  });

  it('a container that outgrows its memory limit is OOMKilled (137), restarted, and waits in CrashLoopBackOff with growing gaps', async () => {
    // busybox tail keeps its whole input while looking for the last lines: /dev/zero has none,
    // so it grows until the cgroup's limit makes the kernel's OOM killer end it.
    await cluster.ok(['apply', '-f', '-'], { input: `apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: hog
      image: ${image}
      imagePullPolicy: Never
      command: [sh, -c, "echo allocating; tail /dev/zero"]
      resources: {limits: {memory: 16Mi}}
` });
    const uid = await cluster.ok(['get', 'pod', 'hog', '-o', 'jsonpath={.metadata.uid}']);
    const instances = new Map<string, Terminated>();
    const waits = new Set<string>();
    await eventually(async () => {
      const status = JSON.parse(await cluster.ok(['get', 'pod', 'hog', '-o', 'jsonpath={.status.containerStatuses[0]}']) || '{}') as {
        restartCount?: number; state?: { waiting?: { reason: string; message?: string } }; lastState?: { terminated?: Terminated };
      };
      const last = status.lastState?.terminated;
      if (last) instances.set(last.containerID, last);
      if (status.state?.waiting?.reason === 'CrashLoopBackOff') waits.add(status.state.waiting.message ?? '');
      return (status.restartCount ?? 0) >= 4 && instances.size >= 4;
    }, 120_000, 'four OOM kills and restarts');
    const runs = [...instances.values()].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
    for (const run of runs) assert.deepEqual([run.reason, run.exitCode], ['OOMKilled', 137], JSON.stringify(run));
    // Back-off doubles: the wait before each restart (its start minus the previous exit) grows.
    const gaps = runs.slice(1).map((run, i) => (Date.parse(run.startedAt) - Date.parse(runs[i]!.finishedAt)) / 1000);
    assert.ok(gaps[gaps.length - 1]! > gaps[1]!, `gaps between restarts grow: ${gaps.join(', ')} s`);
    const messages = [...waits];
    assert.ok(messages.includes(`back-off 4s restarting failed container=hog pod=hog_default(${uid})`), messages.join('\n'));
    assert.ok(messages.some((m) => m.startsWith('back-off 8s ')), messages.join('\n'));
    await eventually(async () => /^hog\s+0\/1\s+CrashLoopBackOff\s+\d+ \(\S+ ago\)/m.test(await cluster.ok(['get', 'pod', 'hog'])), 20_000, 'kubectl get to show CrashLoopBackOff');
    assert.match(await cluster.ok(['get', 'events', '--field-selector', 'involvedObject.name=hog,reason=BackOff', '-o', 'jsonpath={.items[*].message}']), /Back-off restarting failed container hog in pod hog_default/);
    await cluster.ok(['delete', 'pod', 'hog', '--grace-period=1', '--wait=true', '--timeout=30s']);
  });

  it('what a container writes to its terminationMessagePath is its terminated message; FallbackToLogsOnError takes the log', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: `apiVersion: v1
kind: Pod
metadata: {name: farewell}
spec:
  restartPolicy: Never
  containers:
    - name: file
      image: ${image}
      imagePullPolicy: Never
      command: [sh, -c, "echo -n 'goodbye from the container' > /dev/termination-log; exit 3"]
    - name: custom
      image: ${image}
      imagePullPolicy: Never
      terminationMessagePath: /tmp/why
      command: [sh, -c, "echo -n 'custom path' > /tmp/why"]
    - name: logs
      image: ${image}
      imagePullPolicy: Never
      terminationMessagePolicy: FallbackToLogsOnError
      command: [sh, -c, "echo first; echo last words; exit 2"]
` });
    await eventually(async () => (await cluster.ok(['get', 'pod', 'farewell', '-o', 'jsonpath={.status.phase}'])) === 'Failed', 30_000, 'phase Failed');
    const statuses = JSON.parse(await cluster.ok(['get', 'pod', 'farewell', '-o', 'jsonpath={.status.containerStatuses}'])) as Array<{ name: string; state: { terminated: Terminated } }>;
    const byName = Object.fromEntries(statuses.map((s) => [s.name, s.state.terminated]));
    assert.deepEqual([byName.file?.exitCode, byName.file?.message], [3, 'goodbye from the container']);
    assert.deepEqual([byName.custom?.exitCode, byName.custom?.reason, byName.custom?.message], [0, 'Completed', 'custom path']);
    assert.deepEqual([byName.logs?.exitCode, byName.logs?.message], [2, 'first\nlast words\n']);
    await cluster.ok(['delete', 'pod', 'farewell', '--wait=true', '--timeout=30s']);
  });

  it('postStart runs before the container goes on (it reads the hook\'s file); preStop runs before SIGTERM; a failing postStart restarts it', async () => {
    const shared = join(cluster.dataDir, 'hooks');
    await cluster.ok(['apply', '-f', '-'], { input: `apiVersion: v1
kind: Pod
metadata: {name: hooked}
spec:
  terminationGracePeriodSeconds: 10
  volumes: [{name: shared, hostPath: {path: ${shared}, type: DirectoryOrCreate}}]
  containers:
    - name: app
      image: ${image}
      imagePullPolicy: Never
      command: [sh, -c, "while [ ! -f /poststart ]; do sleep 0.1; done; echo saw $(cat /poststart); trap 'echo sigterm >> /shared/order; exit 0' TERM; while true; do sleep 0.2; done"]
      volumeMounts: [{name: shared, mountPath: /shared}]
      lifecycle:
        postStart: {exec: {command: [sh, -c, "echo written-by-poststart > /poststart"]}}
        preStop: {exec: {command: [sh, -c, "echo prestop >> /shared/order"]}}
---
apiVersion: v1
kind: Pod
metadata: {name: badhook}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: ${image}
      imagePullPolicy: Never
      command: [sleep, "3600"]
      lifecycle:
        postStart: {exec: {command: [sh, -c, "exit 1"]}}
` });
    await cluster.ok(['wait', '--for=condition=Ready', 'pod/hooked', '--timeout=30s']);
    await eventually(async () => (await cluster.ok(['logs', 'hooked'])) === 'saw written-by-poststart\n', 10_000, 'the container to read the postStart file');
    const started = Date.now();
    await cluster.ok(['delete', 'pod', 'hooked', '--wait=true', '--timeout=30s']);
    assert.ok(Date.now() - started < 9000, 'the container left on SIGTERM, not at the SIGKILL');
    assert.equal(readFileSync(join(shared, 'order'), 'utf8'), 'prestop\nsigterm\n', 'preStop ran, then SIGTERM came');

    await eventually(async () => Number(await cluster.ok(['get', 'pod', 'badhook', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}'])) >= 1, 60_000, 'a restart after the failed hook');
    assert.match(await cluster.ok(['get', 'events', '--field-selector', 'involvedObject.name=badhook,reason=FailedPostStartHook', '-o', 'jsonpath={.items[*].message}']), /PostStartHook failed/);
    assert.match(await cluster.ok(['get', 'events', '--field-selector', 'involvedObject.name=badhook,reason=Killing', '-o', 'jsonpath={.items[*].message}']), /FailedPostStartHook/);
    await cluster.ok(['delete', 'pod', 'badhook', '--grace-period=1', '--wait=true', '--timeout=30s']);
  });

  it('a deletion\'s grace period is how long a container that ignores SIGTERM gets before SIGKILL, whatever the spec says', async () => {
    // sleep as PID 1 has no SIGTERM handler, so the kernel ignores SIGTERM: only SIGKILL ends it.
    await cluster.ok(['apply', '-f', '-'], { input: `apiVersion: v1
kind: Pod
metadata: {name: stubborn}
spec:
  terminationGracePeriodSeconds: 60
  containers: [{name: app, image: ${image}, imagePullPolicy: Never, command: [sleep, "3600"]}]
` });
    await cluster.ok(['wait', '--for=condition=Ready', 'pod/stubborn', '--timeout=30s']);
    const started = Date.now();
    await cluster.ok(['delete', 'pod', 'stubborn', '--grace-period=3', '--wait=true', '--timeout=60s']);
    const took = (Date.now() - started) / 1000;
    assert.ok(took >= 3 && took < 30, `deleted after ${took} s: SIGKILL after the deletion's 3 s, not the spec's 60 s`);
  });
});
