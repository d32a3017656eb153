import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessClient } from '../../src/client/index.js';
import { SimulatedNodes } from '../../src/simulated/index.js';
import { eventually, TestCluster } from './harness.js';

const statefulSet = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
        - name: db
          image: postgres:17
          volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;

const daemonSet = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: busybox:1.36}]
`;

interface PodView { metadata: { name: string; creationTimestamp: string; uid: string }; spec: { nodeName?: string; volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }> }; status: { phase?: string } }

describe('StatefulSets and DaemonSets on simulated nodes, driven by kubectl', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({ simulatedNodes: 3, timing: { simulatedStartDelayMs: 100 } });
  });
  after(async () => {
    await cluster?.stop();
  });
  const pods = async (selector: string): Promise<PodView[]> => (JSON.parse(await cluster.ok(['get', 'pods', '-l', selector, '-o', 'json'])) as { items: PodView[] }).items;

  it('a StatefulSet of 3 creates web-0, web-1, web-2 in order, each with its own claim; web-1 keeps its claim when recreated', async () => {
    const watch = cluster.spawnKubectl(['get', 'pods', '-l', 'app=db', '-w', '-o', 'jsonpath={.metadata.name} {.status.phase}{"\\n"}']);
    await cluster.ok(['apply', '-f', '-'], { input: statefulSet });
    await cluster.ok(['rollout', 'status', 'statefulset/web', '--timeout=60s']);
    watch.stop();
    const firstSeen = (name: string): number => watch.output().split('\n').findIndex((l) => l.startsWith(`${name} `));
    const runningAt = (name: string): number => watch.output().split('\n').findIndex((l) => l === `${name} Running`);
    assert.ok(firstSeen('web-0') >= 0 && firstSeen('web-1') > runningAt('web-0') && firstSeen('web-2') > runningAt('web-1'), `ordered start:\n${watch.output()}`);
    const claims = await cluster.ok(['get', 'pvc', '-o', 'jsonpath={.items[*].metadata.name}']);
    assert.deepEqual(claims.split(' ').sort(), ['data-web-0', 'data-web-1', 'data-web-2']);
    const web1 = (await pods('app=db')).find((p) => p.metadata.name === 'web-1')!;
    assert.equal(web1.spec.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName, 'data-web-1');
    const claimUid = await cluster.ok(['get', 'pvc', 'data-web-1', '-o', 'jsonpath={.metadata.uid}']);
    await cluster.ok(['delete', 'pod', 'web-1']);
    await eventually(async () => {
      const again = (await pods('app=db')).find((p) => p.metadata.name === 'web-1');
      return again && again.metadata.uid !== web1.metadata.uid && again.status.phase === 'Running';
    }, 20_000, 'web-1 recreated');
    assert.equal(await cluster.ok(['get', 'pvc', 'data-web-1', '-o', 'jsonpath={.metadata.uid}']), claimUid, 'the same claim');
  });

  it('a DaemonSet runs one pod per node and follows a node added later', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: daemonSet });
    await cluster.ok(['rollout', 'status', 'daemonset/agent', '--timeout=60s']);
    const nodes = (await pods('app=agent')).map((p) => p.spec.nodeName).sort();
    assert.deepEqual(nodes, ['sim-node-1', 'sim-node-2', 'sim-node-3']);
    assert.match(await cluster.ok(['get', 'ds', 'agent']), /^agent\s+3\s+3\s+3\s+3\s+3\s/m);
    const extra = new SimulatedNodes({
      client: InProcessClient.forServer(cluster.plane.server, { name: 'system:node:late', groups: ['system:authenticated'] }),
      count: 1, namePrefix: 'late-node-', startDelayMs: 50,
    });
    const stop = new AbortController();
    await extra.start(stop.signal);
    try {
      await eventually(async () => (await pods('app=agent')).some((p) => p.spec.nodeName === 'late-node-1' && p.status.phase === 'Running'), 20_000, 'a daemon pod on the new node');
      await eventually(async () => /^agent\s+4\s+4\s+4\s+4\s+4\s/m.test(await cluster.ok(['get', 'ds', 'agent'])), 20_000, 'DaemonSet status 4/4');
    } finally {
      stop.abort();
      extra.stopAll();
    }
  });
});
