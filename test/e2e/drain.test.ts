import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, TestCluster } from './harness.js';

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
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

const budget = `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  minAvailable: 2
  selector:
    matchLabels: {app: web}
`;

interface PodView {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { phase?: string };
}

describe('kubectl drain with a PodDisruptionBudget on 3 simulated nodes', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({ simulatedNodes: 3, timing: { simulatedStartDelayMs: 50 } });
  });
  after(async () => {
    await cluster?.stop();
  });

  const webPods = async (): Promise<PodView[]> => (JSON.parse(await cluster.ok(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as { items: PodView[] }).items;

  it('drains the node holding pods without dropping below minAvailable, then uncordons it', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: deployment });
    await cluster.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    await cluster.ok(['apply', '-f', '-'], { input: budget });
    await eventually(async () => /^web\s+2\s+N\/A\s+1\s+/m.test(await cluster.ok(['get', 'pdb', 'web'])), 10_000, 'the budget to allow 1 disruption');

    // The node with the most web pods: with two there, the second eviction waits for the budget (429, retried).
    const counts = new Map<string, number>();
    for (const pod of await webPods()) counts.set(pod.spec.nodeName ?? '', (counts.get(pod.spec.nodeName ?? '') ?? 0) + 1);
    const node = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    assert.match(node, /^sim-node-\d$/);

    const watch = cluster.spawnKubectl(['get', 'deploy', 'web', '-w', '-o', 'jsonpath={.status.availableReplicas}{"\\n"}']);
    await eventually(() => watch.output().includes('3'), 10_000, 'the watch to start');
    const drained = await cluster.kubectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=60s'], { timeoutMs: 90_000 });
    assert.equal(drained.code, 0, `drain failed: ${drained.stderr}${drained.stdout}`);
    assert.match(drained.stdout, new RegExp(`node/${node} drained`));

    assert.match(await cluster.ok(['get', 'nodes']), new RegExp(`^${node}\\s+Ready,SchedulingDisabled\\s`, 'm'));
    const moved = await eventually(async () => {
      const live = (await webPods()).filter((p) => !p.metadata.deletionTimestamp);
      return live.length === 3 && live.every((p) => p.status.phase === 'Running') ? live : undefined;
    }, 30_000, '3 running web pods');
    assert.ok(moved.every((p) => p.spec.nodeName !== node), `no web pod left on ${node}: ${moved.map((p) => p.spec.nodeName).join(',')}`);
    await cluster.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    await new Promise((r) => setTimeout(r, 300));
    watch.stop();
    const seen = watch.output().split('\n').filter((l) => /^\d+$/.test(l.trim())).map(Number);
    assert.ok(seen.length > 1, `the watch saw the drain: ${watch.output()}`);
    assert.ok(Math.min(...seen) >= 2, `available replicas never below 2: ${seen.join(',')}`);

    await cluster.ok(['uncordon', node]);
    assert.match(await cluster.ok(['get', 'nodes']), new RegExp(`^${node}\\s+Ready\\s`, 'm'));
  });
});
