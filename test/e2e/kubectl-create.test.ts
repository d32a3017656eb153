import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, TestCluster } from './harness.js';

describe('kubectl create, expose and scale store the right objects', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start();
  });
  after(async () => {
    await cluster?.stop();
  });

  const getJson = async (args: string[]) => JSON.parse(await cluster.ok(['get', ...args, '-o', 'json']));

  it('create deployment stores a defaulted Deployment', async () => {
    assert.match(await cluster.ok(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3']), /deployment.apps\/web created/);
    const deployment = await getJson(['deployment', 'web']);
    assert.equal(deployment.spec.replicas, 3);
    assert.deepEqual(deployment.spec.selector, { matchLabels: { app: 'web' } });
    assert.equal(deployment.spec.strategy.type, 'RollingUpdate');
    assert.equal(deployment.spec.strategy.rollingUpdate.maxSurge, '25%');
    assert.equal(deployment.spec.revisionHistoryLimit, 10);
    assert.equal(deployment.spec.progressDeadlineSeconds, 600);
    assert.equal(deployment.metadata.generation, 1);
    assert.equal(deployment.spec.template.spec.containers[0].image, 'nginx:1.27');
    const table = await cluster.ok(['get', 'deploy']);
    assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/m);
    // No nodes: nothing is ready; the controller has made the pods (UP-TO-DATE 3) or is about to.
    assert.match(table, /^web\s+0\/3\s+[03]\s+0\s+/m);
    await eventually(async () => /^web\s+0\/3\s+3\s+0\s+/m.test(await cluster.ok(['get', 'deploy'])), 10_000, 'UP-TO-DATE 3');
    const pods = JSON.parse(await cluster.ok(['get', 'pods', '-l', 'app=web', '-o', 'json'])).items;
    assert.equal(pods.length, 3, 'the Deployment\'s ReplicaSet made 3 pods');
  });

  it('C107 scale deployment updates spec.replicas through /scale', async () => {
    assert.match(await cluster.ok(['scale', 'deployment', 'web', '--replicas=5']), /deployment.apps\/web scaled/);
    const deployment = await getJson(['deployment', 'web']);
    assert.equal(deployment.spec.replicas, 5);
    assert.equal(deployment.metadata.generation, 2);
    const scale = JSON.parse(await cluster.ok(['get', '--raw', '/apis/apps/v1/namespaces/default/deployments/web/scale']));
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec.replicas, 5);
    assert.equal(scale.status.selector, 'app=web');
  });

  it('expose deployment creates a Service selecting its pods', async () => {
    assert.match(await cluster.ok(['expose', 'deployment', 'web', '--port', '80']), /service\/web exposed/);
    const service = await getJson(['service', 'web']);
    assert.deepEqual(service.spec.selector, { app: 'web' });
    assert.equal(service.spec.ports[0].port, 80);
    assert.equal(service.spec.ports[0].protocol, 'TCP');
    assert.equal(service.spec.type, 'ClusterIP');
    assert.equal(service.spec.targetPort ?? service.spec.ports[0].targetPort, 80);
    assert.match(service.spec.clusterIP, /^10\.43\.\d+\.\d+$/, 'a cluster IP from the service CIDR');
    assert.notEqual(service.spec.clusterIP, '10.43.0.1');
    assert.deepEqual(service.spec.clusterIPs, [service.spec.clusterIP]);
    const table = await cluster.ok(['get', 'svc']);
    assert.match(table, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/m);
    assert.match(table, /^kubernetes\s+ClusterIP\s+10\.43\.0\.1\s+<none>\s+443\/TCP/m);
    assert.match(table, new RegExp(`^web\\s+ClusterIP\\s+${service.spec.clusterIP.replaceAll('.', '\\.')}\\s+<none>\\s+80/TCP`, 'm'));
  });

  it('create service nodeport allocates a node port; a taken cluster IP is refused', async () => {
    await cluster.ok(['create', 'service', 'nodeport', 'np', '--tcp=80:8080']);
    const service = await getJson(['service', 'np']);
    assert.equal(service.spec.type, 'NodePort');
    assert.ok(service.spec.ports[0].nodePort >= 30000 && service.spec.ports[0].nodePort <= 32767, `nodePort ${service.spec.ports[0].nodePort}`);
    const web = await getJson(['service', 'web']);
    const taken = await cluster.kubectl(['create', 'service', 'clusterip', 'dup', '--tcp=80:80', `--clusterip=${web.spec.clusterIP}`]);
    assert.notEqual(taken.code, 0);
    assert.match(taken.stderr, /provided IP is already allocated/);
    assert.equal((await cluster.kubectl(['get', 'service', 'dup'])).code, 1, 'nothing stored');
  });

  it('create job and cronjob store defaulted batch objects', async () => {
    assert.match(await cluster.ok(['create', 'job', 'once', '--image=busybox', '--', 'echo', 'hi']), /job.batch\/once created/);
    const job = await getJson(['job', 'once']);
    assert.equal(job.spec.backoffLimit, 6);
    assert.equal(job.spec.completions, 1);
    assert.equal(job.spec.parallelism, 1);
    assert.equal(job.spec.template.spec.restartPolicy, 'Never');
    assert.ok(job.spec.selector.matchLabels['batch.kubernetes.io/controller-uid']);
    assert.match(await cluster.ok(['create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date']), /cronjob.batch\/tick created/);
    const cronjob = await getJson(['cronjob', 'tick']);
    assert.equal(cronjob.spec.schedule, '*/5 * * * *');
    assert.equal(cronjob.spec.concurrencyPolicy, 'Allow');
    assert.equal(cronjob.spec.successfulJobsHistoryLimit, 3);
  });

  it('create configmap --from-literal and secret generic', async () => {
    await cluster.ok(['create', 'configmap', 'settings', '--from-literal=mode=fast', '--from-literal=level=3']);
    const configMap = await getJson(['configmap', 'settings']);
    assert.deepEqual(configMap.data, { level: '3', mode: 'fast' });
    await cluster.ok(['create', 'secret', 'generic', 'token', '--from-literal=password=s3cret']);
    const secret = await getJson(['secret', 'token']);
    assert.equal(secret.type, 'Opaque');
    assert.equal(Buffer.from(secret.data.password, 'base64').toString(), 's3cret');
    assert.match(await cluster.ok(['get', 'secret', 'token']), /^token\s+Opaque\s+1\s+/m);
  });

  it('refuses invalid manifests with Kubernetes messages and stores nothing', async () => {
    const cases: Array<[string, RegExp]> = [
      ['apiVersion: v1\nkind: Pod\nmetadata: {name: Nginx}\nspec: {containers: [{name: a, image: nginx}]}\n', /The Pod "Nginx" is invalid: metadata.name: Invalid value: "Nginx": a lowercase RFC 1123 subdomain/],
      ['apiVersion: v1\nkind: Pod\nmetadata: {name: noimage}\nspec: {containers: [{name: a}]}\n', /The Pod "noimage" is invalid: spec.containers\[0\].image: Required value/],
      ['apiVersion: v1\nkind: Pod\nmetadata: {name: twins}\nspec: {containers: [{name: a, image: x}, {name: a, image: y}]}\n', /spec.containers\[1\].name: Duplicate value: "a"/],
      ['apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: mismatch}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: b}}\n    spec: {containers: [{name: c, image: x}]}\n', /spec.template.metadata.labels: Invalid value: map\[string\]string\{"app":"b"\}: `selector` does not match template `labels`/],
    ];
    for (const [manifest, message] of cases) {
      const result = await cluster.kubectl(['apply', '-f', '-'], { input: manifest });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, message);
    }
    for (const name of ['pod/noimage', 'pod/twins', 'deployment/mismatch']) {
      const got = await cluster.kubectl(['get', name]);
      assert.match(got.stderr, /NotFound/);
    }
    const unknown = await cluster.kubectl(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: typo}\ndata: {a: b}\nbogus: 1\n' });
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /unknown field "bogus"/);
  });
});
