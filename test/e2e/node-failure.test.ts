import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, TestCluster } from './harness.js';

/** A Deployment whose pods tolerate an unreachable node for 2 s instead of 300 s. */
const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: resilient}
spec:
  replicas: 3
  selector: {matchLabels: {app: resilient}}
  template:
    metadata: {labels: {app: resilient}}
    spec:
      tolerations:
        - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
        - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      containers: [{name: app, image: nginx:1.27}]
`;

interface PodView { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string }; status: { phase?: string } }

describe('node failure on simulated nodes (shortened grace periods)', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({
      simulatedNodes: 3,
      timing: { simulatedStartDelayMs: 50, simulatedLeaseRenewMs: 200, nodeMonitorGracePeriodMs: 1000, nodeMonitorIntervalMs: 200 },
    });
  });
  after(async () => {
    await cluster?.stop();
  });

  const pods = async (): Promise<PodView[]> => (JSON.parse(await cluster.ok(['get', 'pods', '-l', 'app=resilient', '-o', 'json'])) as { items: PodView[] }).items;

  it('a stopped node becomes NotReady and tainted; its pods are replaced on other nodes after their toleration', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: deployment });
    await cluster.ok(['rollout', 'status', 'deployment/resilient', '--timeout=60s']);
    const before = await pods();
    const victim = before[0]!.spec.nodeName!;
    const stranded = before.filter((p) => p.spec.nodeName === victim).map((p) => p.metadata.name);
    cluster.simulated?.stop(victim);

    await eventually(async () => new RegExp(`^${victim}\\s+NotReady\\s`, 'm').test(await cluster.ok(['get', 'nodes'])), 10_000, `${victim} NotReady`);
    const taints = await cluster.ok(['get', 'node', victim, '-o', 'jsonpath={.spec.taints[*].key}']);
    assert.match(taints, /node\.kubernetes\.io\/unreachable/);
    const ready = await cluster.ok(['get', 'node', victim, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].reason}']);
    assert.equal(ready, 'NodeStatusUnknown');

    await eventually(async () => {
      const now = await pods();
      const live = now.filter((p) => !p.metadata.deletionTimestamp && p.status.phase === 'Running');
      return live.length === 3 && live.every((p) => p.spec.nodeName !== victim) ? now : undefined;
    }, 20_000, 'three running replacements on the other nodes');
    const after = await pods();
    for (const name of stranded) {
      const old = after.find((p) => p.metadata.name === name);
      assert.ok(!old || old.metadata.deletionTimestamp, `${name} was evicted from ${victim}`);
    }
    assert.match(await cluster.ok(['get', 'deploy', 'resilient']), /^resilient\s+3\/3\s/m);

    await cluster.simulated?.start(victim);
    await eventually(async () => new RegExp(`^${victim}\\s+Ready\\s`, 'm').test(await cluster.ok(['get', 'nodes'])), 20_000, `${victim} Ready again`);
    await eventually(async () => !(await cluster.ok(['get', 'node', victim, '-o', 'jsonpath={.spec.taints[*].key}'])).includes('unreachable'), 10_000, 'taints removed');
  });
});
