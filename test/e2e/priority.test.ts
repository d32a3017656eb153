import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestCluster } from './harness.js';

describe('priority classes', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start();
  });
  after(async () => {
    await cluster?.stop();
  });

  it('the system classes exist; a pod takes its class\'s priority; an unknown class is refused', async () => {
    const table = await cluster.ok(['get', 'priorityclasses']);
    assert.match(table, /^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY/m);
    assert.match(table, /^system-cluster-critical\s+2000000000\s+false\s+\S+\s+PreemptLowerPriority/m);
    assert.match(table, /^system-node-critical\s+2000001000\s+false\s/m);

    await cluster.ok(['create', 'priorityclass', 'high', '--value=1000', '--description=important', '--preemption-policy=Never']);
    await cluster.ok(['run', 'vip', '--image=nginx:1.27', '--overrides={"spec":{"priorityClassName":"high"}}']);
    assert.equal(await cluster.ok(['get', 'pod', 'vip', '-o', 'jsonpath={.spec.priority} {.spec.preemptionPolicy}']), '1000 Never');

    const refused = await cluster.kubectl(['run', 'nobody', '--image=nginx:1.27', '--overrides={"spec":{"priorityClassName":"missing"}}']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /pods "nobody" is forbidden: no PriorityClass with name missing was found/);

    const tooHigh = await cluster.kubectl(['create', 'priorityclass', 'greedy', '--value=2000000000']);
    assert.match(tooHigh.stderr, /value: Forbidden: maximum allowed value of a user defined priority is 1000000000/);
  });
});

describe('preemption on simulated nodes', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({ simulatedNodes: 2, simulatedCapacity: { cpu: '1' }, timing: { simulatedStartDelayMs: 50 } });
  });
  after(async () => {
    await cluster?.stop();
  });

  const pod = (name: string, priorityClass: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  priorityClassName: ${priorityClass}
  terminationGracePeriodSeconds: 0
  containers: [{name: app, image: nginx:1.27, resources: {requests: {cpu: 900m}}}]
`;

  it('a high-priority pod preempts one low-priority pod and runs in its place', async () => {
    await cluster.ok(['create', 'priorityclass', 'low', '--value=10']);
    await cluster.ok(['create', 'priorityclass', 'urgent', '--value=100000']);
    await cluster.ok(['apply', '-f', '-'], { input: pod('low-a', 'low') + '---\n' + pod('low-b', 'low') });
    await cluster.ok(['wait', '--for=condition=Ready', 'pod/low-a', 'pod/low-b', '--timeout=30s']);
    await cluster.ok(['apply', '-f', '-'], { input: pod('vip', 'urgent') });
    await cluster.ok(['wait', '--for=condition=Ready', 'pod/vip', '--timeout=30s']);
    const left = await cluster.ok(['get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}']);
    const lows = left.split(' ').filter((n) => n.startsWith('low-'));
    assert.equal(lows.length, 1, `exactly one low pod preempted: ${left}`);
    const events = await cluster.ok(['get', 'events', '--field-selector', 'reason=Preempted', '-o', 'jsonpath={.items[*].message}']);
    assert.match(events, /Preempted by pod [0-9a-f-]+ on node sim-node-\d/);
  });
});
