import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, TestCluster } from './harness.js';

/** The JSON payload of a JWT, decoded without checking it (what a user pastes into jwt.io). */
const claimsOf = (token: string): Record<string, any> => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')); // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read nested claims

describe('service accounts and tokens through kubectl', () => {
  let cluster: TestCluster;
  /** A kubeconfig that trusts the cluster CA but carries no credentials: only --token authenticates. */
  let anonymous: Record<string, string>;
  before(async () => {
    cluster = await TestCluster.start();
    const kubeconfig = join(cluster.dataDir, 'no-credentials.yaml');
    await writeFile(kubeconfig, [
      'apiVersion: v1', 'kind: Config',
      `clusters: [{name: litekube, cluster: {server: "${cluster.plane.server.url}", certificate-authority: "${join(cluster.dataDir, 'tls', 'ca.crt')}"}}]`,
      'users: [{name: nobody, user: {}}]',
      'contexts: [{name: litekube, context: {cluster: litekube, user: nobody, namespace: default}}]',
      'current-context: litekube', '',
    ].join('\n'));
    anonymous = { KUBECONFIG: kubeconfig };
  });
  after(async () => {
    await cluster?.stop();
  });

  it('every namespace has a default ServiceAccount and the kube-root-ca.crt ConfigMap with the cluster CA', async () => {
    await cluster.ok(['create', 'namespace', 'team']);
    const accounts = await eventually(async () => {
      const out = await cluster.ok(['get', 'serviceaccounts', '-A', '-o', 'custom-columns=NS:.metadata.namespace,NAME:.metadata.name', '--no-headers']);
      return ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'team'].every((ns) => out.includes(`${ns} `)) && out;
    }, 5000, 'default accounts');
    assert.match(accounts, /team\s+default/);
    const ca = await eventually(() => cluster.kubectl(['get', 'configmap', 'kube-root-ca.crt', '-n', 'team', '-o', 'jsonpath={.data.ca\\.crt}']).then((r) => r.code === 0 && r.stdout), 5000, 'root CA');
    assert.equal(ca, await readFile(join(cluster.dataDir, 'tls', 'ca.crt'), 'utf8'));
  });

  it('`kubectl create token` output authenticates as the account; a garbage token is Unauthorized', async () => {
    const token = (await cluster.ok(['create', 'token', 'default'])).trim();
    const claims = claimsOf(token);
    assert.equal(claims.iss, 'https://kubernetes.default.svc.cluster.local');
    assert.equal(claims.sub, 'system:serviceaccount:default:default');
    assert.deepEqual(claims.aud, ['https://kubernetes.default.svc.cluster.local']);
    assert.equal(claims.exp - claims.iat, 3600);
    await cluster.ok(['run', 'listed', '--image=busybox', '--restart=Never']);
    const listed = await cluster.kubectl(['--token', token, 'get', 'pods', '-o', 'name'], { env: anonymous });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /pod\/listed/);
    const garbage = await cluster.kubectl(['--token', 'garbage', 'get', 'pods'], { env: anonymous });
    assert.notEqual(garbage.code, 0);
    assert.match(garbage.stderr, /Unauthorized/);
  });

  it('--audience and --duration shape the token; a token for another audience does not open the API', async () => {
    const token = (await cluster.ok(['create', 'token', 'default', '--audience', 'vault', '--duration', '20m'])).trim();
    const claims = claimsOf(token);
    assert.deepEqual(claims.aud, ['vault']);
    assert.equal(claims.exp - claims.iat, 1200);
    const refused = await cluster.kubectl(['--token', token, 'get', 'pods'], { env: anonymous });
    assert.match(refused.stderr, /Unauthorized/);
    const short = await cluster.kubectl(['create', 'token', 'default', '--duration', '5m']);
    assert.match(short.stderr, /TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/);
    const missing = await cluster.kubectl(['create', 'token', 'nobody']);
    assert.match(missing.stderr, /serviceaccounts "nobody" not found/);
  });

  it('a token bound to a pod stops working when the pod is deleted', async () => {
    await cluster.ok(['run', 'holder', '--image=busybox', '--restart=Never']);
    const token = (await cluster.ok(['create', 'token', 'default', '--bound-object-kind', 'Pod', '--bound-object-name', 'holder'])).trim();
    assert.equal(claimsOf(token)['kubernetes.io'].pod.name, 'holder');
    assert.equal((await cluster.kubectl(['--token', token, 'get', 'pods'], { env: anonymous })).code, 0);
    await cluster.ok(['delete', 'pod', 'holder', '--wait=true']);
    const after = await cluster.kubectl(['--token', token, 'get', 'pods'], { env: anonymous });
    assert.match(after.stderr, /Unauthorized/);
  });

  it('pods get the kube-api-access volume, even right after their namespace is created; a missing account refuses the pod', async () => {
    await cluster.ok(['create', 'namespace', 'quick']);
    await cluster.ok(['run', 'early', '-n', 'quick', '--image=busybox', '--restart=Never']);
    const pod = JSON.parse(await cluster.ok(['get', 'pod', 'early', '-n', 'quick', '-o', 'json']));
    assert.equal(pod.spec.serviceAccountName, 'default');
    assert.match(pod.spec.volumes[0].name, /^kube-api-access-/);
    assert.deepEqual(pod.spec.containers[0].volumeMounts, [{ name: pod.spec.volumes[0].name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    const refused = await cluster.kubectl(['run', 'ghost', '--image=busybox', '--restart=Never', '--overrides', '{"spec":{"serviceAccountName":"ghost"}}']);
    assert.match(refused.stderr, /pods "ghost" is forbidden: error looking up service account default\/ghost: serviceaccount "ghost" not found/);
  });
});
