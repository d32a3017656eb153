// Images on the real node agent: `litekube image load` into the cluster's containerd, a
// Deployment rolled to a loaded image, ErrImageNeverPull, and pulls through a registries.yaml
// mirror (a registry on 127.0.0.1) with imagePullSecrets and with registries.yaml credentials.
// Own bridge, pod range and cgroup parent; the machine is put back as found, which it asserts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { busyboxFiles } from '../../src/kubelet/images/busybox.js';
import { dockerSaveArchive } from '../../src/kubelet/images/docker-save.test-helper.js';
import { buildImage, type BuiltImage } from '../../src/kubelet/images/oci.js';
import { deletePods, HostGuard, nodeAgentSkip } from './node-harness.js';
import { eventually, TestCluster } from './harness.js';
import { startFakeRegistry, type FakeRegistry } from './fake-registry.js';

const bridge = 'litekube-e2e2';
const podCIDR = '10.42.252.0/24';
const nodeName = 'e2e-images';
const busybox = 'litekube.local/busybox:latest';
/** The built CLI, as users run it. */
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** A busybox image that says which version it is in /etc/image-version. */
function webImage(reference: string, version: string): BuiltImage {
  return buildImage({
    reference, cmd: ['sh'],
    files: [...busyboxFiles(['sh', 'cat', 'echo', 'mkdir', 'httpd', 'sleep']), { path: '/etc/image-version', data: Buffer.from(`${version}\n`) }],
  });
}

/** Runs the built litekube CLI without blocking this process (the cluster runs in it). */
function litekube(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('images on the node: image load, rollouts to loaded images, pulls through mirrors with credentials', { skip: nodeAgentSkip || (existsSync('/bin/busybox') ? false : 'needs busybox-static') }, () => {
  let cluster: TestCluster;
  let host: HostGuard;
  let work: string;
  let registry: FakeRegistry | undefined;
  const cgroupParent = `/litekube-e2e-images-${process.pid}`;
  const v2 = webImage('litekube.local/web:v2', 'v2');
  const v3 = webImage('litekube.local/web:v3', 'v3');
  before(async () => {
    host = new HostGuard(bridge);
    work = await mkdtemp(join(tmpdir(), 'litekube-e2e-images-'));
    cluster = await TestCluster.start({ nodeAgent: { nodeName, bridge, podCIDR, cgroupParent, backOffInitialMs: 500 } });
  });
  after(async () => {
    try {
      await host.putBack(cluster, cgroupParent, [['delete', 'deployments', '--all', '--cascade=foreground', '--wait=true', '--timeout=60s'], deletePods]);
    } finally {
      await registry?.close();
      if (work) await rm(work, { recursive: true, force: true });
    }
  });

  it('litekube image load imports an OCI archive and a gzipped docker save archive; bad input gets a clear error', async () => {
    await eventually(async () => new RegExp(`^${nodeName}\\s+Ready\\s`, 'm').test(await cluster.ok(['get', 'nodes'])), 20_000, 'node Ready');
    const oci = join(work, 'web-v2.tar');
    const docker = join(work, 'web-v3.tar.gz');
    await writeFile(oci, v2.archive);
    await writeFile(docker, gzipSync(dockerSaveArchive(v3, ['litekube.local/web:v3'])));
    const loaded = await litekube(['image', 'load', oci, docker, '--data-dir', cluster.dataDir]);
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.match(loaded.stdout, /^Loading .*web-v2\.tar \(OCI image layout, [\d.]+ MB\)\nLoaded image: litekube\.local\/web:v2\nLoading .*web-v3\.tar\.gz \(docker save archive, gzip, [\d.]+ MB\)\nLoaded image: litekube\.local\/web:v3\n$/);

    const missing = await litekube(['image', 'load', join(work, 'nope.tar'), '--data-dir', cluster.dataDir]);
    assert.deepEqual([missing.code, missing.stderr], [1, `litekube image load: Cannot load ${join(work, 'nope.tar')}: no such file\n`]);
    await writeFile(join(work, 'notes.txt'), 'not an image\n'.repeat(100));
    const notImage = await litekube(['image', 'load', join(work, 'notes.txt'), '--data-dir', cluster.dataDir]);
    assert.equal(notImage.code, 1);
    assert.match(notImage.stderr, /Cannot load .*notes\.txt: not an image archive: it is not a tar archive/);
    const noNode = await litekube(['image', 'load', oci, '--data-dir', work]);
    assert.equal(noNode.code, 1);
    assert.match(noNode.stderr, /Cannot load images: no litekube node is running with data dir .* start the node with: litekube up --data-dir /);
  });

  it('a Deployment with a readiness probe rolls to the loaded image with kubectl set image', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  strategy: {rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: ${busybox}
          imagePullPolicy: IfNotPresent
          command: [sh, -c, "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"]
          readinessProbe: {httpGet: {path: /index.html, port: 8080}, periodSeconds: 1}
` });
    await cluster.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    await cluster.ok(['set', 'image', 'deployment/web', 'web=litekube.local/web:v2']);
    await cluster.ok(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    const live = await eventually(async () => {
      const pods = JSON.parse(await cluster.ok(['get', 'pods', '-l', 'app=web', '-o', 'json'])).items as Array<{ metadata: { name: string; deletionTimestamp?: string } }>;
      const current = pods.filter((p) => !p.metadata.deletionTimestamp);
      return current.length === 2 && pods.length === 2 ? current : undefined;
    }, 30_000, 'only the new pods');
    const images = await cluster.ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.spec.containers[0].image} {.status.containerStatuses[0].image} {.status.containerStatuses[0].imageID}{"\\n"}{end}']);
    const lines = images.trim().split('\n');
    assert.equal(lines.length, 2);
    for (const line of lines) assert.equal(line, `litekube.local/web:v2 litekube.local/web:v2 ${v2.configDigest}`);
    assert.equal(await cluster.ok(['exec', live[0]!.metadata.name, '--', 'cat', '/etc/image-version']), 'v2\n');
  });

  it('imagePullPolicy Never with an image that is not on the node: ErrImageNeverPull', async () => {
    await cluster.ok(['run', 'never', '--image=litekube.local/absent:1', '--image-pull-policy=Never', '--', 'sleep', '3600']);
    const waiting = await eventually(async () => {
      const text = await cluster.ok(['get', 'pod', 'never', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting}']);
      return text ? JSON.parse(text) as { reason: string; message: string } : undefined;
    }, 30_000, 'a waiting reason');
    assert.deepEqual(waiting, { reason: 'ErrImageNeverPull', message: 'Container image "litekube.local/absent:1" is not present with pull policy of Never' });
    assert.match(await cluster.ok(['get', 'events', '--field-selector', 'involvedObject.name=never', '-o', 'jsonpath={.items[*].reason}']), /ErrImageNeverPull/);
    await cluster.ok(['delete', 'pod', 'never', '--grace-period=1', '--wait=true', '--timeout=30s']);
  });

  it('pulls go through the registries.yaml mirror: with the imagePullSecret\'s credentials, else with registries.yaml\'s', async () => {
    // The images' registry, localhost:1, has nothing listening: only the mirror can serve them.
    registry = await startFakeRegistry({
      'team/app': { image: webImage('localhost:1/team/app:v4', 'v4'), tag: 'v4', credentials: 'puller:s3cret' },
      'team/node-app': { image: webImage('localhost:1/team/node-app:v5', 'v5'), tag: 'v5', credentials: 'node:nodepass' },
    });
    await writeFile(join(cluster.dataDir, 'registries.yaml'), `mirrors:
  "localhost:1":
    endpoint: ["http://${registry.address}"]
configs:
  "${registry.address}":
    auth: {username: node, password: nodepass}
`);
    await cluster.restart();
    await eventually(async () => new RegExp(`^${nodeName}\\s+Ready\\s`, 'm').test(await cluster.ok(['get', 'nodes'])), 30_000, 'node Ready again');
    await cluster.ok(['create', 'secret', 'docker-registry', 'regcred', '--docker-server=localhost:1', '--docker-username=puller', '--docker-password=s3cret']);
    await cluster.ok(['apply', '-f', '-'], { input: `apiVersion: v1
kind: Pod
metadata: {name: private}
spec:
  terminationGracePeriodSeconds: 1
  imagePullSecrets: [{name: missing}, {name: regcred}]
  containers: [{name: app, image: "localhost:1/team/app:v4", command: [sleep, "3600"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: node-creds}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: app, image: "localhost:1/team/node-app:v5", command: [sleep, "3600"]}]
` });
    await cluster.ok(['wait', '--for=condition=Ready', 'pod/private', 'pod/node-creds', '--timeout=60s']);
    assert.equal(await cluster.ok(['exec', 'private', '--', 'cat', '/etc/image-version']), 'v4\n');
    assert.equal(await cluster.ok(['exec', 'node-creds', '--', 'cat', '/etc/image-version']), 'v5\n');
    const usersOf = (repository: string): string[] => [...new Set(registry!.requests.filter((r) => r.path.startsWith(`/v2/${repository}/`) && r.user).map((r) => r.user))];
    assert.deepEqual(usersOf('team/app'), ['puller'], 'the secret\'s credentials, not the node\'s');
    assert.deepEqual(usersOf('team/node-app'), ['node']);
    const events = await cluster.ok(['get', 'events', '--field-selector', 'involvedObject.name=private', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
    assert.match(events, /FailedToRetrieveImagePullSecret: Unable to retrieve some image pull secrets \(missing\); attempting to pull the image may not succeed\./);
    assert.match(events, /Pulled: Successfully pulled image "localhost:1\/team\/app:v4" in /);
    await cluster.ok(['delete', 'pod', 'private', 'node-creds', '--grace-period=1', '--wait=true', '--timeout=30s']);
  });
});
