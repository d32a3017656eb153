import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessClient } from '../../src/client/index.js';
import { SimulatedNodes } from '../../src/simulated/index.js';
import { eventually, TestCluster } from './harness.js';

const deployment = (strategy: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 5
  selector:
    matchLabels: {app: web}
  strategy: ${strategy}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          resources:
            requests: {cpu: 100m, memory: 64Mi}
`;

const job = (name: string, extra: string, annotations: string) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
${extra}
  template:
    metadata:
      annotations: {${annotations}}
    spec:
      restartPolicy: Never
      containers:
        - name: work
          image: busybox:1.36
`;

describe('workloads on 3 simulated nodes, driven by kubectl', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({ simulatedNodes: 3, timing: { jobBackoffBaseMs: 50, simulatedStartDelayMs: 50 } });
  });
  after(async () => {
    await cluster?.stop();
  });

  const json = async (args: string[]) => JSON.parse(await cluster.ok(['get', ...args, '-o', 'json']));

  it('lists 3 Ready simulated nodes', async () => {
    const table = await cluster.ok(['get', 'nodes']);
    for (const n of [1, 2, 3]) assert.match(table, new RegExp(`^sim-node-${n}\\s+Ready\\s`, 'm'));
  });

  it('a Deployment of 5 becomes 5/5 available; set image with maxUnavailable 0 never drops below 5; history and undo', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: deployment('{type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}') });
    await cluster.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    assert.match(await cluster.ok(['get', 'deploy', 'web']), /^web\s+5\/5\s+5\s+5\s+/m);
    const pods = (await json(['pods', '-l', 'app=web'])).items as Array<{ spec: { nodeName: string }; status: { phase: string; podIP: string } }>;
    assert.equal(pods.length, 5);
    assert.ok(pods.every((p) => p.status.phase === 'Running' && /^10\.42\.\d+\.\d+$/.test(p.status.podIP) && p.spec.nodeName.startsWith('sim-node-')));

    const watch = cluster.spawnKubectl(['get', 'deploy', 'web', '-w', '-o', 'jsonpath={.status.availableReplicas}{"\\n"}']);
    await eventually(() => watch.output().includes('5'), 10_000, 'the watch to start');
    await cluster.ok(['set', 'image', 'deployment/web', 'nginx=nginx:1.28']);
    await cluster.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    await new Promise((r) => setTimeout(r, 300));
    watch.stop();
    const seen = watch.output().split('\n').filter((l) => /^\d+$/.test(l.trim())).map(Number);
    assert.ok(seen.length > 1, `the watch saw the rollout: ${watch.output()}`);
    assert.ok(Math.min(...seen) >= 5, `available replicas never below 5: ${seen.join(',')}`);
    const images = ((await json(['pods', '-l', 'app=web'])).items as Array<{ metadata: { deletionTimestamp?: string }; spec: { containers: Array<{ image: string }> } }>)
      .filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec.containers[0]!.image);
    assert.deepEqual([...new Set(images)], ['nginx:1.28']);

    const history = await cluster.ok(['rollout', 'history', 'deployment/web']);
    assert.match(history, /^1\s/m);
    assert.match(history, /^2\s/m);
    await cluster.ok(['rollout', 'undo', 'deployment/web']);
    await cluster.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    assert.equal(await cluster.ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'nginx:1.27');
  });

  it('rollout pause, resume and restart; kubectl wait --for=condition=Available', async () => {
    await cluster.ok(['create', 'deployment', 'steady', '--image=nginx:1.27', '--replicas=2']);
    await cluster.ok(['wait', '--for=condition=Available', 'deployment/steady', '--timeout=60s']);
    await cluster.ok(['rollout', 'pause', 'deployment/steady']);
    await cluster.ok(['set', 'image', 'deployment/steady', 'nginx=nginx:1.28']);
    await new Promise((r) => setTimeout(r, 500));
    const progressing = await cluster.ok(['get', 'deploy', 'steady', '-o', 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}']);
    assert.equal(progressing, 'DeploymentPaused');
    const images = async () => new Set(((await json(['pods', '-l', 'app=steady'])).items as Array<{ metadata: { deletionTimestamp?: string }; spec: { containers: Array<{ image: string }> } }>)
      .filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec.containers[0]!.image));
    assert.deepEqual([...await images()], ['nginx:1.27'], 'paused: nothing rolled');
    await cluster.ok(['rollout', 'resume', 'deployment/steady']);
    await cluster.ok(['rollout', 'status', 'deployment/steady', '--timeout=60s']);
    assert.deepEqual([...await images()], ['nginx:1.28']);
    const before = (await json(['replicasets', '-l', 'app=steady'])).items.length;
    await cluster.ok(['rollout', 'restart', 'deployment/steady']);
    await cluster.ok(['rollout', 'status', 'deployment/steady', '--timeout=60s']);
    assert.equal((await json(['replicasets', '-l', 'app=steady'])).items.length, before + 1, 'a restart makes a new ReplicaSet');
    assert.match(await cluster.ok(['get', 'deploy', 'steady', '-o', 'jsonpath={.spec.template.metadata.annotations}']), /kubectl\.kubernetes\.io\/restartedAt/);
  });

  it('a pod asking for more CPU than any node stays Pending with the scheduler\'s message; a bigger node takes it', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: `apiVersion: v1
kind: Pod
metadata: {name: big}
spec:
  containers: [{name: app, image: nginx:1.27, resources: {requests: {cpu: "16"}}}]
` });
    const reason = await eventually(async () => (await cluster.ok(['get', 'pod', 'big', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].reason}'])) || undefined, 10_000, 'PodScheduled condition');
    assert.equal(reason, 'Unschedulable');
    assert.match(await cluster.ok(['describe', 'pod', 'big']), /FailedScheduling.*0\/3 nodes are available: 3 Insufficient cpu\./);
    const extra = new SimulatedNodes({
      client: InProcessClient.forServer(cluster.plane.server, { name: 'system:node:big', groups: ['system:authenticated'] }),
      count: 1, namePrefix: 'big-node-', capacity: { cpu: '32', memory: '64Gi' }, startDelayMs: 50,
    });
    const stop = new AbortController();
    await extra.start(stop.signal);
    try {
      await eventually(async () => (await cluster.ok(['get', 'pod', 'big', '-o', 'jsonpath={.spec.nodeName} {.status.phase}'])) === 'big-node-1 Running', 20_000, 'big pod running on the new node');
    } finally {
      stop.abort();
      extra.stopAll();
    }
    await cluster.ok(['delete', 'pod', 'big', '--wait=false']);
  });

  it('a Job with completions 5 and parallelism 2 completes with never more than 2 active', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: job('five', '  completions: 5\n  parallelism: 2', 'litekube.io/simulated-duration: 300ms') });
    const watch = cluster.spawnKubectl(['get', 'job', 'five', '-w', '-o', 'jsonpath={.status.active}{"\\n"}']);
    await cluster.ok(['wait', '--for=condition=complete', 'job/five', '--timeout=60s']);
    watch.stop();
    const active = watch.output().split('\n').filter((l) => /^\d+$/.test(l.trim())).map(Number);
    assert.ok(active.length > 0 && Math.max(...active) <= 2, `active never above 2: ${active.join(',')}`);
    assert.equal(await cluster.ok(['get', 'job', 'five', '-o', 'jsonpath={.status.succeeded}']), '5');
    assert.match(await cluster.ok(['get', 'job', 'five']), /^five\s+Complete\s+5\/5\s/m);
  });

  it('a Job whose pods exit 1 fails with BackoffLimitExceeded after backoffLimit + 1 pods', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: job('doomed', '  backoffLimit: 2', 'litekube.io/simulated-duration: 100ms, litekube.io/simulated-exit-code: "1"') });
    await cluster.ok(['wait', '--for=condition=failed', 'job/doomed', '--timeout=60s']);
    assert.equal(await cluster.ok(['get', 'job', 'doomed', '-o', 'jsonpath={.status.conditions[?(@.type=="Failed")].reason}']), 'BackoffLimitExceeded');
    assert.equal((await json(['pods', '-l', 'job-name=doomed'])).items.length, 3);
  });

  it('kubectl create job --from=cronjob runs the CronJob\'s template', async () => {
    await cluster.ok(['create', 'cronjob', 'nightly', '--image=busybox:1.36', '--schedule=0 3 * * *', '--', 'true']);
    await cluster.ok(['create', 'job', 'manual', '--from=cronjob/nightly']);
    await cluster.ok(['wait', '--for=condition=complete', 'job/manual', '--timeout=60s']);
  });

  it('deleting a Deployment removes its ReplicaSets and pods; --cascade=orphan leaves them', async () => {
    await cluster.ok(['create', 'deployment', 'gone', '--image=nginx:1.27', '--replicas=2']);
    await cluster.ok(['rollout', 'status', 'deployment/gone', '--timeout=60s']);
    await cluster.ok(['delete', 'deployment', 'gone', '--wait=true']);
    await eventually(async () => (await json(['replicasets,pods', '-l', 'app=gone'])).items.length === 0, 20_000, 'ReplicaSets and pods collected');

    await cluster.ok(['create', 'deployment', 'kept', '--image=nginx:1.27', '--replicas=2']);
    await cluster.ok(['rollout', 'status', 'deployment/kept', '--timeout=60s']);
    await cluster.ok(['delete', 'deployment', 'kept', '--cascade=orphan']);
    await new Promise((r) => setTimeout(r, 500));
    const left = (await json(['replicasets', '-l', 'app=kept'])).items as Array<{ metadata: { ownerReferences?: unknown[] } }>;
    assert.equal(left.length, 1, 'the ReplicaSet stays');
    assert.equal(left[0]!.metadata.ownerReferences, undefined, 'orphaned: no owner any more');
    assert.equal((await json(['pods', '-l', 'app=kept'])).items.length, 2);
  });
});
