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
