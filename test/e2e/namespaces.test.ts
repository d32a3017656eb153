import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestCluster } from './harness.js';

describe('namespaces', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start();
  });
  after(async () => {
    await cluster?.stop();
  });

  it('writes into a missing namespace are refused', async () => {
    const result = await cluster.kubectl(['create', 'configmap', 'x', '-n', 'missing', '--from-literal=a=b']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /namespaces "missing" not found/);
  });

  it('the built-in namespaces may not be deleted', async () => {
    const result = await cluster.kubectl(['delete', 'namespace', 'kube-system', '--wait=false']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /namespaces "kube-system" is forbidden: this namespace may not be deleted/);
  });

  it('C068 a namespace can be patched with a label', async () => {
    await cluster.ok(['create', 'namespace', 'patched']);
    await cluster.ok(['patch', 'namespace', 'patched', '-p', '{"metadata":{"labels":{"testLabel":"testValue"}}}']);
    assert.equal(await cluster.ok(['get', 'ns', 'patched', '-o', 'jsonpath={.metadata.labels.testLabel}']), 'testValue');
  });

  it('deleting a namespace deletes everything in it, then the namespace', async () => {
    await cluster.ok(['create', 'namespace', 'doomed']);
    const namespace = JSON.parse(await cluster.ok(['get', 'ns', 'doomed', '-o', 'json']));
    assert.deepEqual(namespace.spec.finalizers, ['kubernetes']);
    assert.equal(namespace.status.phase, 'Active');
    await cluster.ok(['create', 'configmap', 'inside', '-n', 'doomed', '--from-literal=a=b']);
    await cluster.ok(['create', 'deployment', 'web', '-n', 'doomed', '--image=nginx']);
    const deleted = await cluster.kubectl(['delete', 'namespace', 'doomed', '--timeout=20s']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /namespace "doomed" deleted/);
    const gone = await cluster.kubectl(['get', 'ns', 'doomed']);
    assert.match(gone.stderr, /namespaces "doomed" not found/);
    const leftovers = await cluster.ok(['get', 'configmaps,deployments', '-A', '-o', 'name', '--field-selector', 'metadata.namespace=doomed']);
    assert.equal(leftovers.trim(), '');
  });

  it('a finalizer holds an object and its terminating namespace; new content is refused meanwhile', async () => {
    await cluster.ok(['create', 'namespace', 'held']);
    await cluster.ok(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: sticky, namespace: held, finalizers: [example.com/hold]}\ndata: {a: b}\n' });
    await cluster.ok(['delete', 'namespace', 'held', '--wait=false']);
    const terminating = JSON.parse(await cluster.ok(['get', 'ns', 'held', '-o', 'json']));
    assert.equal(terminating.status.phase, 'Terminating');
    assert.ok(terminating.metadata.deletionTimestamp);
    const refused = await cluster.kubectl(['create', 'configmap', 'late', '-n', 'held', '--from-literal=a=b']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /unable to create new content in namespace held because it is being terminated/);
    const sticky = JSON.parse(await cluster.ok(['get', 'configmap', 'sticky', '-n', 'held', '-o', 'json']));
    assert.ok(sticky.metadata.deletionTimestamp, 'the held object is marked for deletion');
    await cluster.ok(['patch', 'configmap', 'sticky', '-n', 'held', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    const waited = await cluster.kubectl(['wait', '--for=delete', 'namespace/held', '--timeout=20s']);
    assert.equal(waited.code, 0, waited.stderr);
  });
});
