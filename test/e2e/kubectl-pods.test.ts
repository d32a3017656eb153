import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually, nginxPod, TestCluster } from './harness.js';

describe('kubectl drives pods against litekube server', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start();
  });
  after(async () => {
    await cluster?.stop();
  });

  it('kubectl get ns lists the built-in namespaces', async () => {
    const out = await cluster.ok(['get', 'ns']);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.match(out, new RegExp(`^${ns}\\s+Active`, 'm'));
  });

  it('kubectl apply creates the nginx pod, and a second apply with a changed label updates it', async () => {
    assert.match(await cluster.ok(['apply', '-f', '-'], { input: nginxPod }), /pod\/nginx-pod created/);
    const pod = JSON.parse(await cluster.ok(['get', 'pod', 'nginx-pod', '-o', 'json']));
    assert.equal(pod.spec.containers[0].image, 'nginx:1.27');
    assert.equal(pod.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(pod.spec.containers[0].ports[0].protocol, 'TCP');
    assert.equal(pod.spec.restartPolicy, 'Always');
    assert.ok(pod.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    const changed = nginxPod.replace('app: nginx', 'app: nginx2');
    assert.match(await cluster.ok(['apply', '-f', '-'], { input: changed }), /pod\/nginx-pod configured/);
    const again = JSON.parse(await cluster.ok(['get', 'pod', 'nginx-pod', '-o', 'json']));
    assert.equal(again.metadata.labels.app, 'nginx2');
    assert.equal(again.metadata.uid, pod.metadata.uid);
    assert.ok(Number(again.metadata.resourceVersion) > Number(pod.metadata.resourceVersion));
    assert.match(await cluster.ok(['apply', '-f', '-'], { input: changed }), /pod\/nginx-pod unchanged/);
  });

  it('kubectl apply --server-side creates and updates with managedFields', async () => {
    const manifest = nginxPod.replace('nginx-pod', 'ssa-pod');
    assert.match(await cluster.ok(['apply', '--server-side', '-f', '-'], { input: manifest }), /pod\/ssa-pod serverside-applied/);
    const relabelled = manifest.replace('app: nginx', 'app: web');
    assert.match(await cluster.ok(['apply', '--server-side', '-f', '-'], { input: relabelled }), /serverside-applied/);
    const pod = JSON.parse(await cluster.ok(['get', 'pod', 'ssa-pod', '-o', 'json', '--show-managed-fields']));
    assert.equal(pod.metadata.labels.app, 'web');
    const entry = pod.metadata.managedFields.find((m: { manager: string }) => m.manager === 'kubectl');
    assert.equal(entry.operation, 'Apply');
    assert.ok(entry.fieldsV1['f:spec']['f:containers']['k:{"name":"nginx"}']);
  });

  it('kubectl get pods prints the Kubernetes columns, wide, yaml, jsonpath, selectors and -A', async () => {
    const table = await cluster.ok(['get', 'pods']);
    assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/m);
    assert.match(table, /^nginx-pod\s+0\/1\s+Pending\s+0\s+\S+/m);
    const wide = await cluster.ok(['get', 'pods', '-o', 'wide']);
    assert.match(wide, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/m);
    assert.match(await cluster.ok(['get', 'pod', 'nginx-pod', '-o', 'yaml']), /^kind: Pod$/m);
    assert.equal(await cluster.ok(['get', 'pod', 'nginx-pod', '-o', 'jsonpath={.spec.containers[0].image}']), 'nginx:1.27');
    const selected = await cluster.ok(['get', 'pods', '-l', 'app=nginx2', '-o', 'name']);
    assert.equal(selected.trim(), 'pod/nginx-pod');
    assert.equal((await cluster.ok(['get', 'pods', '-l', 'app=missing', '-o', 'name'])).trim(), '');
    const byField = await cluster.ok(['get', 'pods', '--field-selector', 'metadata.name=ssa-pod', '-o', 'name']);
    assert.equal(byField.trim(), 'pod/ssa-pod');
    const phase = await cluster.ok(['get', 'pods', '--field-selector', 'status.phase=Running', '-o', 'name']);
    assert.equal(phase.trim(), '');
    const all = await cluster.ok(['get', 'pods', '-A']);
    assert.match(all, /^NAMESPACE\s+NAME\s+READY/m);
    assert.match(all, /^default\s+nginx-pod/m);
    const labels = await cluster.ok(['get', 'pods', '--show-labels']);
    assert.match(labels, /app=nginx2/);
  });

  it('kubectl get -w sees a label change', async () => {
    const watcher = cluster.spawnKubectl(['get', 'pods', '-w', '-o', 'custom-columns=NAME:.metadata.name,TEAM:.metadata.labels.team', '--no-headers']);
    try {
      await eventually(() => watcher.output().includes('nginx-pod'), 5000, 'initial watch output');
      await cluster.ok(['label', 'pod', 'nginx-pod', 'team=blue']);
      await eventually(() => /nginx-pod\s+blue/.test(watcher.output()), 3000, 'watch to show the change');
    } finally {
      watcher.stop();
    }
  });

  it('kubectl label, annotate and describe', async () => {
    assert.match(await cluster.ok(['label', 'pod', 'nginx-pod', 'tier=web']), /pod\/nginx-pod labeled/);
    assert.match(await cluster.ok(['annotate', 'pod', 'nginx-pod', 'owner=team-a']), /pod\/nginx-pod annotated/);
    const conflict = await cluster.kubectl(['label', 'pod', 'nginx-pod', 'tier=db']);
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.stderr, /already has a value \(web\)/);
    const described = await cluster.ok(['describe', 'pod', 'nginx-pod']);
    assert.match(described, /^Name:\s+nginx-pod$/m);
    assert.match(described, /^Namespace:\s+default$/m);
    assert.match(described, /tier=web/);
    assert.match(described, /owner: team-a/);
    assert.match(described, /Image:\s+nginx:1\.27/);
  });

  it('kubectl edit with EDITOR changes the object', async () => {
    const editor = join(cluster.dataDir, 'editor.sh');
    await writeFile(editor, '#!/bin/sh\nsed -i "s/owner: team-a/owner: team-b/" "$1"\n');
    await chmod(editor, 0o755);
    assert.match(await cluster.ok(['edit', 'pod', 'nginx-pod'], { env: { EDITOR: editor, KUBE_EDITOR: editor } }), /pod\/nginx-pod edited/);
    assert.equal(await cluster.ok(['get', 'pod', 'nginx-pod', '-o', 'jsonpath={.metadata.annotations.owner}']), 'team-b');
  });

  it('kubectl patch with strategic, merge and json patches', async () => {
    await cluster.ok(['patch', 'pod', 'nginx-pod', '-p', '{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}']);
    const pod = JSON.parse(await cluster.ok(['get', 'pod', 'nginx-pod', '-o', 'json']));
    assert.equal(pod.spec.containers.length, 1);
    assert.equal(pod.spec.containers[0].image, 'nginx:1.28');
    assert.equal(pod.spec.containers[0].ports[0].containerPort, 80, 'strategic merge keeps the other fields of the container');
    await cluster.ok(['patch', 'pod', 'nginx-pod', '--type=merge', '-p', '{"metadata":{"labels":{"tier":null,"merged":"yes"}}}']);
    await cluster.ok(['patch', 'pod', 'nginx-pod', '--type=json', '-p', '[{"op":"add","path":"/metadata/labels/json","value":"yes"}]']);
    const labels = JSON.parse(await cluster.ok(['get', 'pod', 'nginx-pod', '-o', 'jsonpath={.metadata.labels}']));
    assert.equal(labels.tier, undefined);
    assert.equal(labels.merged, 'yes');
    assert.equal(labels.json, 'yes');
    const refused = await cluster.kubectl(['patch', 'pod', 'nginx-pod', '--type=json', '-p', '[{"op":"test","path":"/metadata/name","value":"other"}]']);
    assert.notEqual(refused.code, 0);
  });

  it('C168 kubectl patch --dry-run=server reports the change but stores nothing', async () => {
    const out = await cluster.ok(['patch', 'pod', 'nginx-pod', '--dry-run=server', '-o', 'jsonpath={.spec.containers[0].image}', '-p', '{"spec":{"containers":[{"name":"nginx","image":"nginx:9.9"}]}}']);
    assert.equal(out, 'nginx:9.9');
    assert.equal(await cluster.ok(['get', 'pod', 'nginx-pod', '-o', 'jsonpath={.spec.containers[0].image}']), 'nginx:1.28');
  });

  it('kubectl api-resources, api-versions and explain', async () => {
    const resources = await cluster.ok(['api-resources']);
    assert.match(resources, /^pods\s+po\s+v1\s+true\s+Pod$/m);
    assert.match(resources, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    const versions = await cluster.ok(['api-versions']);
    for (const v of ['v1', 'apps/v1', 'batch/v1', 'coordination.k8s.io/v1', 'rbac.authorization.k8s.io/v1']) assert.match(versions, new RegExp(`^${v.replace('/', '\\/')}$`, 'm'));
    const explained = await cluster.ok(['explain', 'pod.spec.containers.ports']);
    assert.match(explained, /KIND:\s+Pod/);
    assert.match(explained, /containerPort\s+<integer> -required-/);
  });

  it('kubectl delete --wait and wait --for=delete', async () => {
    const waiting = cluster.kubectl(['wait', '--for=delete', 'pod/ssa-pod', '--timeout=20s']);
    await new Promise((r) => setTimeout(r, 300));
    assert.match(await cluster.ok(['delete', 'pod', 'ssa-pod', '--wait']), /pod "ssa-pod" deleted/);
    const waited = await waiting;
    assert.equal(waited.code, 0, waited.stderr);
    const missing = await cluster.kubectl(['get', 'pod', 'ssa-pod']);
    assert.match(missing.stderr, /Error from server \(NotFound\): pods "ssa-pod" not found/);
  });
});

describe('events recorded for an object show in kubectl describe', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start();
  });
  after(async () => {
    await cluster?.stop();
  });

  it('C178 a repeated event is aggregated and kubectl describe and get events show it', async () => {
    const { InProcessClient, EventRecorder } = await import('../../src/client/index.js');
    await cluster.ok(['apply', '-f', '-'], { input: nginxPod });
    const client = InProcessClient.forServer(cluster.plane.server, { name: 'system:kube-scheduler', groups: ['system:authenticated'] });
    const pod = await client.get({ apiVersion: 'v1', plural: 'pods' }, 'default', 'nginx-pod');
    const recorder = new EventRecorder(client, 'default-scheduler');
    await recorder.record(pod, 'Warning', 'FailedScheduling', '0/0 nodes are available: no nodes available to schedule pods.');
    await recorder.record(pod, 'Warning', 'FailedScheduling', '0/0 nodes are available: no nodes available to schedule pods.');
    const described = await cluster.ok(['describe', 'pod', 'nginx-pod']);
    assert.match(described, /Events:\s*\n\s+Type\s+Reason\s+Age\s+From\s+Message/);
    assert.match(described, /Warning\s+FailedScheduling\s+\S+ \(x2 over \S+\)\s+default-scheduler\s+0\/0 nodes are available/);
    const events = await cluster.ok(['get', 'events']);
    assert.match(events, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/m);
    assert.match(events, /Warning\s+FailedScheduling\s+pod\/nginx-pod/);
  });
});
