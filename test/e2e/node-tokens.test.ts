// Service account tokens in real pods: the kubelet writes the kube-api-access projected volume
// (a pod-bound token, the cluster CA, the namespace) and the token authenticates against the API
// server. Its own bridge, pod range, node name and cgroup parent; the machine is left as found.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HostGuard, nodeAgentSkip } from './node-harness.js';
import { eventually, TestCluster } from './harness.js';

const bridge = 'litekube-e2e5';
const podCIDR = '10.42.250.0/24';
const nodeName = 'e2e-tokens';
const image = 'litekube.local/busybox:latest';
const mountPath = '/var/run/secrets/kubernetes.io/serviceaccount';

describe('pods read their service account token and use it', { skip: nodeAgentSkip }, () => {
  let cluster: TestCluster;
  let host: HostGuard;
  /** Environment for kubectl with no credentials of its own: only --token authenticates. */
  let tokenOnly: Record<string, string>;
  const cgroupParent = `/litekube-e2e-tokens-${process.pid}`;
  before(async () => {
    host = new HostGuard(bridge);
    cluster = await TestCluster.start({ nodeAgent: { nodeName, bridge, podCIDR, cgroupParent, backOffInitialMs: 500 } });
    const kubeconfig = join(cluster.dataDir, 'token-only.yaml');
    await writeFile(kubeconfig, [
      'apiVersion: v1', 'kind: Config',
      `clusters: [{name: litekube, cluster: {server: "${cluster.plane.server.url}", certificate-authority: "${join(cluster.dataDir, 'tls', 'ca.crt')}"}}]`,
      'users: [{name: pod, user: {}}]',
      'contexts: [{name: litekube, context: {cluster: litekube, user: pod, namespace: default}}]',
      'current-context: litekube', '',
    ].join('\n'));
    tokenOnly = { KUBECONFIG: kubeconfig };
  });
  after(async () => {
    // Pods first (the agent removes their sandboxes), then the agent and containerd, then
    // whatever a failed test left: processes, mounts, host state.
    await host.putBack(cluster, cgroupParent, [['delete', 'pods', '--all', '-A', '--grace-period=1', '--wait=true', '--timeout=60s']]);
  });

  it('a container finds token, ca.crt and namespace at the service account path; the token lets the host list pods until the pod goes', async () => {
    await eventually(async () => new RegExp(`^${nodeName}\\s+Ready\\s`, 'm').test(await cluster.ok(['get', 'nodes'])), 20_000, 'node Ready');
    await cluster.ok(['create', 'namespace', 'apps']);
    await cluster.ok(['run', 'reader', '-n', 'apps', `--image=${image}`, '--image-pull-policy=Never', '--', 'sleep', '3600']);
    await cluster.ok(['wait', '-n', 'apps', '--for=condition=Ready', 'pod/reader', '--timeout=30s']);

    const read = (file: string) => cluster.ok(['exec', '-n', 'apps', 'reader', '--', 'cat', `${mountPath}/${file}`]);
    assert.equal(await read('namespace'), 'apps');
    assert.equal(await read('ca.crt'), readFileSync(join(cluster.dataDir, 'tls', 'ca.crt'), 'utf8'));
    const token = await read('token');
    const pod = JSON.parse(await cluster.ok(['get', 'pod', 'reader', '-n', 'apps', '-o', 'json']));
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    assert.equal(claims.sub, 'system:serviceaccount:apps:default');
    assert.deepEqual(claims['kubernetes.io'].pod, { name: 'reader', uid: pod.metadata.uid });

    const written = await cluster.kubectl(['exec', '-n', 'apps', 'reader', '--', 'sh', '-c', `echo x > ${mountPath}/extra`]);
    assert.notEqual(written.code, 0);
    assert.match(written.stderr, /Read-only file system/);

    const listed = await cluster.kubectl(['--token', token, 'get', 'pods', '-n', 'apps', '-o', 'name'], { env: tokenOnly });
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stdout, 'pod/reader\n');

    await cluster.ok(['delete', 'pod', 'reader', '-n', 'apps', '--grace-period=1', '--wait=true', '--timeout=30s']);
    const refused = await cluster.kubectl(['--token', token, 'get', 'pods', '-n', 'apps'], { env: tokenOnly });
    assert.match(refused.stderr, /Unauthorized/);
  });

  it('a pod that opts out gets no token; one with its own projected token gets it for its audience', async () => {
    await cluster.ok(['apply', '-f', '-'], {
      input: `apiVersion: v1
kind: Pod
metadata: {name: custom}
spec:
  automountServiceAccountToken: false
  containers:
  - name: c
    image: ${image}
    imagePullPolicy: Never
    command: [sleep, "3600"]
    volumeMounts: [{name: vault, mountPath: /var/run/vault}]
  volumes:
  - name: vault
    projected:
      sources:
      - serviceAccountToken: {path: token, audience: vault, expirationSeconds: 1200}
`,
    });
    await cluster.ok(['wait', '--for=condition=Ready', 'pod/custom', '--timeout=30s']);
    const missing = await cluster.kubectl(['exec', 'custom', '--', 'ls', mountPath]);
    assert.notEqual(missing.code, 0);
    const token = await cluster.ok(['exec', 'custom', '--', 'cat', '/var/run/vault/token']);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    assert.deepEqual(claims.aud, ['vault']);
    assert.equal(claims.exp - claims.iat, 1200);
    const refused = await cluster.kubectl(['--token', token, 'get', 'pods'], { env: tokenOnly });
    assert.match(refused.stderr, /Unauthorized/);
  });
});
