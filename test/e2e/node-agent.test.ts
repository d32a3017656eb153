// The real node agent: containerd and runc run the pods kubectl creates. It uses its own bridge,
// pod range and cgroup parent, and puts the machine back as it found it, which it asserts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deletePods, deleteWorkloads, HostGuard, nodeAgentSkip } from './node-harness.js';
import { eventually, kubectlBinary, TestCluster } from './harness.js';

const bridge = 'litekube-e2e0';
const podCIDR = '10.42.251.0/24';
const image = 'litekube.local/busybox:latest';
describe('the node agent runs pods with containerd', { skip: nodeAgentSkip }, () => {
  let cluster: TestCluster;
  let host: HostGuard;
  const cgroupParent = `/litekube-e2e-${process.pid}`;
  before(async () => {
    host = new HostGuard(bridge);
    cluster = await TestCluster.start({ timing: { jobBackoffBaseMs: 200 }, nodeAgent: { nodeName: 'e2e-node', bridge, podCIDR, cgroupParent, backOffInitialMs: 500 } });
  });
  after(async () => {
    // Controllers first (or they replace pods), then pods (the agent removes their sandboxes),
    // then the agent and containerd, then whatever a failed test left: processes, mounts, host.
    await host.putBack(cluster, cgroupParent, [deleteWorkloads, deletePods]);
  });


  it('registers the node with containerd as its runtime', async () => {
    await eventually(async () => /^e2e-node\s+Ready\s/m.test(await cluster.ok(['get', 'nodes'])), 20_000, 'node Ready');
    assert.match(await cluster.ok(['get', 'node', 'e2e-node', '-o', 'jsonpath={.status.nodeInfo.containerRuntimeVersion}']), /^containerd:\/\/1\./);
  });

  it('a container that exits 3 leaves the pod Failed with exit code 3', async () => {
    await cluster.ok(['run', 'exiter', `--image=${image}`, '--restart=Never', '--image-pull-policy=Never', '--', 'sh', '-c', 'echo hi; exit 3']);
    await eventually(async () => (await cluster.ok(['get', 'pod', 'exiter', '-o', 'jsonpath={.status.phase}'])) === 'Failed', 30_000, 'phase Failed');
    const state = JSON.parse(await cluster.ok(['get', 'pod', 'exiter', '-o', 'jsonpath={.status.containerStatuses[0].state.terminated}']));
    assert.equal(state.exitCode, 3);
    assert.equal(state.reason, 'Error');
    assert.match(state.containerID, /^containerd:\/\/[0-9a-f]{64}$/);
  });

  it('kubectl logs -f follows a container until it ends; --tail and --previous', async () => {
    await cluster.ok(['run', 'counter', `--image=${image}`, '--restart=OnFailure', '--image-pull-policy=Never', '--', 'sh', '-c', 'for i in 1 2 3 4 5; do echo line $i; sleep 0.3; done; exit 1']);
    await eventually(async () => (await cluster.ok(['get', 'pod', 'counter', '-o', 'jsonpath={.status.phase}'])) === 'Running', 20_000, 'counter running');
    const followed = await cluster.ok(['logs', '-f', 'counter']);
    assert.equal(followed, 'line 1\nline 2\nline 3\nline 4\nline 5\n');
    assert.equal(await cluster.ok(['logs', 'counter', '--tail=2']).then((t) => t.split('\n').filter(Boolean).length <= 2), true);
    await eventually(async () => Number(await cluster.ok(['get', 'pod', 'counter', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}'])) >= 1, 30_000, 'a restart');
    assert.match(await cluster.ok(['logs', 'counter', '--previous']), /^line 1\nline 2\nline 3\nline 4\nline 5\n$/);
    await cluster.ok(['delete', 'pod', 'counter', '--grace-period=1', '--wait=true', '--timeout=30s']);
  });

  it('kubectl exec runs commands in the container: output, exit code, stdin, container choice, tty', async () => {
    await cluster.ok(['run', 'shell', `--image=${image}`, '--image-pull-policy=Never', '--', 'sleep', '3600']);
    await cluster.ok(['wait', '--for=condition=Ready', 'pod/shell', '--timeout=30s']);
    const failed = await cluster.kubectl(['exec', 'shell', '--', 'sh', '-c', 'echo hi; exit 3']);
    assert.deepEqual({ stdout: failed.stdout, code: failed.code }, { stdout: 'hi\n', code: 3 }, failed.stderr);
    assert.equal(await cluster.ok(['exec', 'shell', '--', 'cat', '/etc/hostname']), 'shell\n');
    const both = await cluster.kubectl(['exec', 'shell', '--', 'sh', '-c', 'echo out; echo err >&2']);
    assert.deepEqual(both, { code: 0, stdout: 'out\n', stderr: 'err\n' });
    assert.equal(await cluster.ok(['exec', '-i', 'shell', '--', 'cat'], { input: 'piped\n' }), 'piped\n');
    const wrong = await cluster.kubectl(['exec', 'shell', '-c', 'nope', '--', 'true']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /container nope is not valid for pod shell/);
    // -t needs kubectl's stdin to be a terminal: script gives it one, sized so the resize is seen.
    // Its stdin stays open (at EOF script would type an end-of-file into the session).
    const tty = await new Promise<string>((resolve) => {
      // ctr sizes the container's terminal just after the command starts: stty waits a moment.
      const line = `stty cols 100 rows 30; ${kubectlBinary()} exec -it shell -- sh -c 'tty; sleep 0.3; stty size'`;
      const child = spawn('script', ['--quiet', '--return', '--command', line, '/dev/null'], { env: { ...process.env, KUBECONFIG: cluster.kubeconfig, HOME: cluster.dataDir } });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const timer = setTimeout(() => child.kill(), 30_000);
      child.on('close', () => {
        clearTimeout(timer);
        resolve(output);
      });
    });
    assert.match(tty, /^\/dev\/pts\/\d+\r\n30 100\r\n$/);
    await cluster.ok(['delete', 'pod', 'shell', '--grace-period=1', '--wait=true', '--timeout=30s']);
  });

  it('restarting litekube leaves a running container untouched', async () => {
    await cluster.ok(['run', 'steady', `--image=${image}`, '--image-pull-policy=Never', '--', 'sleep', '3600']);
    await cluster.ok(['wait', '--for=condition=Ready', 'pod/steady', '--timeout=30s']);
    const read = () => cluster.ok(['get', 'pod', 'steady', '-o', 'jsonpath={.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount} {.status.phase}']);
    const before = await read();
    await cluster.restart();
    await eventually(async () => /^e2e-node\s+Ready\s/m.test(await cluster.ok(['get', 'nodes'])), 20_000, 'node Ready again');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await read(), before, 'same container id, same restart count, still Running');
    await cluster.ok(['delete', 'pod', 'steady', '--grace-period=1', '--wait=true', '--timeout=30s']);
  });

  it('a Deployment with a readiness probe rolls to a new command; a configMap volume follows an edit', async () => {
    const deployment = (version: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: probed}
spec:
  replicas: 2
  selector: {matchLabels: {app: probed}}
  strategy: {rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}
  template:
    metadata: {labels: {app: probed}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: ${image}
          imagePullPolicy: Never
          command: [sh, -c, "mkdir -p /www && echo ${version} > /www/index.html && exec httpd -f -p 8080 -h /www"]
          readinessProbe: {httpGet: {path: /index.html, port: 8080}, periodSeconds: 1}
          volumeMounts: [{name: config, mountPath: /config}]
      volumes: [{name: config, configMap: {name: greeting}}]
`;
    await cluster.ok(['create', 'configmap', 'greeting', '--from-literal=greeting=hello']);
    await cluster.ok(['apply', '-f', '-'], { input: deployment('v1') });
    await cluster.ok(['rollout', 'status', 'deployment/probed', '--timeout=60s']);
    await cluster.ok(['apply', '-f', '-'], { input: deployment('v2') });
    await cluster.ok(['rollout', 'status', 'deployment/probed', '--timeout=60s']);
    // Old pods may still be terminating: take a live one.
    const live = JSON.parse(await cluster.ok(['get', 'pods', '-l', 'app=probed', '-o', 'json'])).items.filter((p: { metadata: { deletionTimestamp?: string } }) => !p.metadata.deletionTimestamp);
    const podName = live[0].metadata.name as string;
    assert.equal(await cluster.ok(['exec', podName, '--', 'cat', '/www/index.html']), 'v2\n');
    assert.equal(await cluster.ok(['exec', podName, '--', 'cat', '/config/greeting']), 'hello');
    await cluster.ok(['patch', 'configmap', 'greeting', '--type=merge', '-p', '{"data":{"greeting":"changed"}}']);
    await eventually(async () => (await cluster.ok(['exec', podName, '--', 'cat', '/config/greeting'])) === 'changed', 60_000, 'the configMap file updated in place');
    await cluster.ok(['delete', 'deployment', 'probed', '--wait=true']);
    await eventually(async () => (await cluster.ok(['get', 'pods', '-l', 'app=probed', '-o', 'name'])) === '', 30_000, 'pods gone');
  });

  it('a failing readiness probe keeps Ready False without restarts; a failing liveness probe restarts', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: `apiVersion: v1
kind: Pod
metadata: {name: unready}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: ${image}
      imagePullPolicy: Never
      command: [sleep, "3600"]
      readinessProbe: {tcpSocket: {port: 9999}, periodSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata: {name: unhealthy}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: ${image}
      imagePullPolicy: Never
      command: [sleep, "3600"]
      livenessProbe: {tcpSocket: {port: 9999}, periodSeconds: 1, failureThreshold: 2}
---
apiVersion: v1
kind: Pod
metadata: {name: exec-probed}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: ${image}
      imagePullPolicy: Never
      command: [sh, -c, "touch /tmp/healthy && sleep 3600"]
      readinessProbe: {exec: {command: [cat, /tmp/healthy]}, periodSeconds: 1}
      livenessProbe: {exec: {command: [sh, -c, "test -e /tmp/healthy && rm /tmp/healthy"]}, periodSeconds: 1, failureThreshold: 1}
` });
    // Exec probes run in the container: readiness passes while /tmp/healthy exists; liveness removes it once, then fails, and the restart makes it again.
    await eventually(async () => Number(await cluster.ok(['get', 'pod', 'exec-probed', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}'])) >= 1, 60_000, 'an exec liveness restart');
    assert.match(await cluster.ok(['get', 'events', '--field-selector', 'involvedObject.name=exec-probed,reason=Unhealthy', '-o', 'jsonpath={.items[*].message}']), /Liveness probe failed/);
    assert.equal(await cluster.ok(['get', 'pod', 'exec-probed', '-o', 'jsonpath={.status.containerStatuses[0].lastState.terminated.reason}']), 'Error');
    await eventually(async () => Number(await cluster.ok(['get', 'pod', 'unhealthy', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}'])) >= 1, 60_000, 'a liveness restart');
    assert.match(await cluster.ok(['get', 'events', '--field-selector', 'involvedObject.name=unhealthy', '-o', 'jsonpath={.items[*].reason}']), /Unhealthy/);
    assert.equal(await cluster.ok(['get', 'pod', 'unready', '-o', 'jsonpath={.status.phase} {.status.containerStatuses[0].ready} {.status.containerStatuses[0].restartCount}']), 'Running false 0');
    assert.equal(await cluster.ok(['get', 'pod', 'unready', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']), 'False');
    await cluster.ok(['delete', 'pod', 'unready', 'unhealthy', 'exec-probed', '--grace-period=1', '--wait=true', '--timeout=30s']);
  });

  it('two containers share the pod network and an emptyDir: the sidecar logs the page web serves on localhost', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: `apiVersion: v1
kind: Pod
metadata: {name: duo}
spec:
  terminationGracePeriodSeconds: 1
  volumes: [{name: shared, emptyDir: {}}]
  containers:
    - name: web
      image: ${image}
      imagePullPolicy: Never
      command: [sh, -c, "echo served-by-web > /shared/index.html && exec httpd -f -p 8080 -h /shared"]
      volumeMounts: [{name: shared, mountPath: /shared}]
    - name: sidecar
      image: ${image}
      imagePullPolicy: Never
      command: [sh, -c, "while true; do wget -q -O - http://localhost:8080/index.html; ls /shared; sleep 1; done"]
      volumeMounts: [{name: shared, mountPath: /shared}]
` });
    await cluster.ok(['wait', '--for=condition=Ready', 'pod/duo', '--timeout=30s']);
    const logs = await eventually(async () => {
      const text = await cluster.ok(['logs', 'duo', '-c', 'sidecar']);
      return text.includes('served-by-web') ? text : undefined;
    }, 20_000, 'the sidecar to log the page');
    assert.match(logs, /served-by-web\nindex\.html\n/, 'the page over localhost, and the file in the shared emptyDir');
    assert.match(await cluster.ok(['logs', 'duo', '--all-containers', '--prefix']), /^\[pod\/duo\/sidecar\] served-by-web$/m);
    const ip = await cluster.ok(['get', 'pod', 'duo', '-o', 'jsonpath={.status.podIP}']);
    const response = await fetch(`http://${ip}:8080/index.html`);
    assert.equal(await response.text(), 'served-by-web\n');
    await cluster.ok(['delete', 'pod', 'duo', '--grace-period=1', '--wait=true', '--timeout=30s']);
  });

  it('kubectl port-forward reaches a server bound to localhost in the pod; kubectl cp copies files in and out', async () => {
    await cluster.ok(['run', 'loopback', `--image=${image}`, '--image-pull-policy=Never', '--', 'sh', '-c', 'mkdir -p /www && echo only-on-localhost > /www/index.html && httpd -f -p 127.0.0.1:8080 -h /www']);
    await cluster.ok(['wait', '--for=condition=Ready', 'pod/loopback', '--timeout=30s']);
    const forward = cluster.spawnKubectl(['port-forward', 'pod/loopback', '18080:8080']);
    try {
      await eventually(async () => forward.output().includes('Forwarding from 127.0.0.1:18080 -> 8080'), 10_000, 'kubectl forwarding');
      const page = await eventually(async () => {
        const response = await fetch('http://127.0.0.1:18080/index.html').catch(() => undefined);
        return response?.ok ? response.text() : undefined;
      }, 10_000, 'the page through the forward');
      assert.equal(page, 'only-on-localhost\n');
      // Two requests at once, each on its own stream pair.
      const pages = await Promise.all([1, 2].map(() => fetch('http://127.0.0.1:18080/index.html').then((r) => r.text())));
      assert.deepEqual(pages, ['only-on-localhost\n', 'only-on-localhost\n']);
    } finally {
      forward.stop();
    }
    const ip = await cluster.ok(['get', 'pod', 'loopback', '-o', 'jsonpath={.status.podIP}']);
    await assert.rejects(fetch(`http://${ip}:8080/index.html`), 'the server is not on the pod IP: the forward went through localhost');

    const local = join(cluster.dataDir, 'cp-in.txt');
    await writeFile(local, 'copied-in\n');
    await cluster.ok(['cp', local, 'loopback:/tmp/in.txt']);
    assert.equal(await cluster.ok(['exec', 'loopback', '--', 'cat', '/tmp/in.txt']), 'copied-in\n');
    const out = join(cluster.dataDir, 'cp-out.html');
    await cluster.ok(['cp', 'loopback:/www/index.html', out]);
    assert.equal(await readFile(out, 'utf8'), 'only-on-localhost\n');
    await cluster.ok(['delete', 'pod', 'loopback', '--grace-period=1', '--wait=true', '--timeout=30s']);
  });

  it('kubectl attach follows a running container\'s output and feeds its stdin', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: `apiVersion: v1
kind: Pod
metadata: {name: talker}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
    - name: talker
      image: ${image}
      imagePullPolicy: Never
      stdin: true
      command: [sh, -c, 'while read line; do echo "got $line"; [ "$line" = quit ] && exit 0; done']
    - name: ticker
      image: ${image}
      imagePullPolicy: Never
      command: [sh, -c, 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done']
` });
    await cluster.ok(['wait', '--for=condition=Ready', 'pod/talker', '--timeout=30s']);
    // Attaching shows what the process writes from now on, not its past log.
    const watching = cluster.spawnKubectl(['attach', 'talker', '-c', 'ticker']);
    try {
      const seen = await eventually(async () => /tick (\d+)/.exec(watching.output())?.[1], 10_000, 'ticks through attach');
      const logged = (await cluster.ok(['logs', 'talker', '-c', 'ticker'])).split('\n').filter(Boolean).length;
      assert.ok(Number(seen) >= logged - 5, `attach starts at the present (first tick ${seen}, ${logged} logged)`);
    } finally {
      watching.stop();
    }
    const talk = await cluster.kubectl(['attach', '-i', 'talker', '-c', 'talker'], { input: 'hello\nquit\n' });
    assert.equal(talk.stdout, 'got hello\ngot quit\n', talk.stderr);
    assert.equal(talk.code, 0);
    await eventually(async () => (await cluster.ok(['get', 'pod', 'talker', '-o', 'jsonpath={.status.containerStatuses[?(@.name=="talker")].state.terminated.exitCode}'])) === '0', 10_000, 'the process ended by its input');
    await cluster.ok(['delete', 'pod', 'talker', '--grace-period=1', '--wait=true', '--timeout=30s']);
  });

  it('a Job whose container exits 1 fails after backoffLimit + 1 pods; one that exits 0 completes', async () => {
    const job = (name: string, code: number) => `apiVersion: batch/v1
kind: Job
metadata: {name: ${name}}
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: work, image: ${image}, imagePullPolicy: Never, command: [sh, -c, "exit ${code}"]}]
`;
    await cluster.ok(['apply', '-f', '-'], { input: job('fails', 1) + '---\n' + job('works', 0) });
    await cluster.ok(['wait', '--for=condition=complete', 'job/works', '--timeout=60s']);
    await cluster.ok(['wait', '--for=condition=failed', 'job/fails', '--timeout=90s']);
    assert.equal(await cluster.ok(['get', 'job', 'fails', '-o', 'jsonpath={.status.conditions[?(@.type=="Failed")].reason}']), 'BackoffLimitExceeded');
    const pods = (await cluster.ok(['get', 'pods', '-l', 'job-name=fails', '-o', 'jsonpath={.items[*].status.phase}'])).split(' ');
    assert.deepEqual(pods, ['Failed', 'Failed', 'Failed']);
  });

  it('a web server pod runs with an IP on the pod range and answers from the host', async () => {
    await cluster.ok(['run', 'web', `--image=${image}`, '--image-pull-policy=Never', '--', 'sh', '-c', 'mkdir -p /www && echo hello-from-pod > /www/index.html && httpd -f -p 8080 -h /www']);
    await cluster.ok(['wait', '--for=condition=Ready', 'pod/web', '--timeout=30s']);
    const ip = await cluster.ok(['get', 'pod', 'web', '-o', 'jsonpath={.status.podIP}']);
    assert.match(ip, /^10\.42\.251\.\d+$/);
    const body = await eventually(async () => {
      const response = await fetch(`http://${ip}:8080/`).catch(() => undefined);
      return response?.ok ? response.text() : undefined;
    }, 10_000, 'the page');
    assert.equal(body, 'hello-from-pod\n');
    // httpd logs nothing by default; the exiter's log has its line.
    assert.equal(await cluster.ok(['logs', 'exiter']), 'hi\n');
    assert.match(await cluster.ok(['logs', 'exiter', '--timestamps']), /^\d{4}-\d\d-\d\dT[\d:.]+Z hi\n$/);
    const wrong = await cluster.kubectl(['logs', 'exiter', '-c', 'nope']);
    assert.match(wrong.stderr, /container nope is not valid for pod exiter/);
    // sh as PID 1 ignores SIGTERM, as in any cluster: a short grace period keeps the test quick.
    await cluster.ok(['delete', 'pod', 'web', '--grace-period=1', '--wait=true', '--timeout=30s']);
    assert.equal((await cluster.kubectl(['get', 'pod', 'web'])).code, 1, 'the pod is gone');
  });
});
