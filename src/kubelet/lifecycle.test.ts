// Container lifecycle on the FakeRuntime: OOM kills and crash-loop back-off, termination
// messages, postStart and preStop hooks, and the grace period a deletion hands to StopContainer.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { waitFor } from '../client/testing.js';
import { containerStatuses, pod, podsRef, startKubelet, statusOf, type Harness } from './test-helpers.js';

const eventsRef = { apiVersion: 'v1', plural: 'events' };

async function events(h: Harness, podName: string): Promise<Array<{ reason: string; message: string; type: string }>> {
  const list = await h.api.client.list(eventsRef, 'default');
  return list.items
    .filter((e) => (e as { involvedObject?: { name?: string } }).involvedObject?.name === podName)
    .map((e) => e as unknown as { reason: string; message: string; type: string });
}

const get = (h: Harness, name: string): Promise<KubeObject> => h.api.client.get(podsRef, 'default', name);

async function gone(h: Harness, name: string): Promise<boolean> {
  try {
    await get(h, name);
    return false;
  } catch (error: unknown) {
    return (error as { code?: number }).code === 404;
  }
}

test('a container killed for memory shows OOMKilled 137 as lastState, restarts, and waits in CrashLoopBackOff with a doubling delay', async () => {
  const h = await startKubelet();
  try {
    const created = await h.api.client.create(podsRef, 'default', pod('oom', { containers: [{ name: 'main', image: 'busybox:1.36', command: ['oom'], resources: { limits: { memory: '16Mi' } } }] }));
    const uid = created.metadata.uid ?? '';
    const resources = (await waitFor('container', () => h.runtime.configOf('main'))).linux?.resources;
    assert.equal(resources?.memoryLimitInBytes, 16 * 2 ** 20);
    assert.equal(resources?.memorySwapLimitInBytes, 16 * 2 ** 20, 'no swap beyond the limit');
    const messages = new Set<string>();
    const p = await waitFor('three restarts', async () => {
      const p = await get(h, 'oom');
      const cs = containerStatuses(p)[0];
      if (cs?.state.waiting?.reason === 'CrashLoopBackOff') messages.add(cs.state.waiting.message);
      return (cs?.restartCount ?? 0) >= 3 && cs?.lastState.terminated ? p : undefined;
    });
    const cs = containerStatuses(p)[0]!;
    assert.equal(cs.lastState.terminated.reason, 'OOMKilled');
    assert.equal(cs.lastState.terminated.exitCode, 137);
    assert.equal(statusOf(p).qosClass, 'Burstable');
    // The harness's back-off is 300 ms doubling: the first restart is immediate, then 300ms, 600ms.
    const delays = [...messages].map((m) => {
      const match = /^back-off (\S+) restarting failed container=main pod=oom_default\((.+)\)$/.exec(m);
      assert.ok(match, m);
      assert.equal(match[2], uid);
      return match[1];
    });
    assert.deepEqual(delays.slice(0, 2), ['300ms', '600ms']);
    const backOff = (await events(h, 'oom')).find((e) => e.reason === 'BackOff');
    assert.equal(backOff?.message, `Back-off restarting failed container main in pod oom_default(${uid})`);
  } finally {
    await h.stop();
  }
});

test('the kubelet mounts a termination-message file and reports what the container wrote, at most 4096 bytes', async () => {
  const h = await startKubelet();
  try {
    const long = 'x'.repeat(5000) + 'END';
    await h.api.client.create(podsRef, 'default', pod('said', {
      restartPolicy: 'Never',
      containers: [
        { name: 'short', image: 'busybox:1.36', command: ['message', 'all done', '0'] },
        { name: 'long', image: 'busybox:1.36', command: ['message', long, '2'], terminationMessagePath: '/tmp/why' },
      ],
    }));
    const p = await waitFor('finished', async () => {
      const p = await get(h, 'said');
      return statusOf(p).phase === 'Failed' ? p : undefined;
    });
    const [short, longStatus] = containerStatuses(p);
    assert.equal(short?.state.terminated.message, 'all done');
    assert.equal(longStatus?.state.terminated.message.length, 4096);
    assert.ok(longStatus?.state.terminated.message.endsWith('END'), 'the end of the file is kept');
    const mount = h.runtime.configOf('long')?.mounts?.find((m) => m.containerPath === '/tmp/why');
    assert.ok(mount?.hostPath.startsWith(join(h.dataDir, 'pods', p.metadata.uid ?? '', 'containers', 'long')), mount?.hostPath);
    assert.equal(h.runtime.configOf('short')?.mounts?.some((m) => m.containerPath === '/dev/termination-log'), true);
  } finally {
    await h.stop();
  }
});

test('FallbackToLogsOnError takes the end of the log when the file is empty and the exit failed; File does not', async () => {
  const h = await startKubelet();
  try {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    await h.api.client.create(podsRef, 'default', pod('logged', {
      restartPolicy: 'Never',
      containers: [
        { name: 'fallback', image: 'busybox:1.36', command: ['log', lines, '1'], terminationMessagePolicy: 'FallbackToLogsOnError' },
        { name: 'file', image: 'busybox:1.36', command: ['log', 'ignored', '1'], terminationMessagePolicy: 'File' },
        { name: 'success', image: 'busybox:1.36', command: ['log', 'fine', '0'], terminationMessagePolicy: 'FallbackToLogsOnError' },
      ],
    }));
    const p = await waitFor('finished', async () => {
      const p = await get(h, 'logged');
      return statusOf(p).phase === 'Failed' ? p : undefined;
    });
    const [fallback, file, success] = containerStatuses(p);
    const expected = Array.from({ length: 80 }, (_, i) => `line ${i + 20}\n`).join('');
    assert.equal(fallback?.state.terminated.message, expected, 'the last 80 lines');
    assert.equal(file?.state.terminated.message, undefined);
    assert.equal(success?.state.terminated.message, undefined, 'only a failed exit falls back');
  } finally {
    await h.stop();
  }
});

test('postStart runs right after the start; a failing one is FailedPostStartHook, the container is killed and restarted', async () => {
  const h = await startKubelet();
  try {
    await h.api.client.create(podsRef, 'default', pod('hooked', {
      containers: [
        { name: 'good', image: 'busybox:1.36', lifecycle: { postStart: { exec: { command: ['touch', '/started'] } } } },
        { name: 'bad', image: 'busybox:1.36', lifecycle: { postStart: { exec: { command: ['exit', '1'] } } } },
      ],
    }));
    const p = await waitFor('bad restarted', async () => {
      const p = await get(h, 'hooked');
      return (containerStatuses(p)[1]?.restartCount ?? 0) >= 1 ? p : undefined;
    });
    const ops = h.runtime.calls.map((c) => `${c.op} ${c.name ?? ''}`);
    const good = ops.indexOf('startContainer good');
    assert.equal(ops[good + 1], 'execSync good:touch /started', 'the hook runs right after StartContainer');
    const badStart = ops.indexOf('startContainer bad');
    assert.deepEqual(ops.slice(badStart + 1, badStart + 3), ['execSync bad:exit 1', 'stopContainer bad:30']);
    assert.equal(containerStatuses(p)[0]?.state.running !== undefined, true);
    const all = await waitFor('events', async () => {
      const list = await events(h, 'hooked');
      return list.some((e) => e.reason === 'FailedPostStartHook') && list.some((e) => e.reason === 'Killing') ? list : undefined;
    });
    assert.deepEqual(all.filter((e) => e.reason === 'FailedPostStartHook').map((e) => [e.type, e.message])[0], ['Warning', 'PostStartHook failed']);
    assert.equal(all.find((e) => e.reason === 'Killing')?.message, 'FailedPostStartHook');
  } finally {
    await h.stop();
  }
});

test("a failed postStart of a Never pod ends Failed with the container's exit as its state", async () => {
  const h = await startKubelet();
  try {
    await h.api.client.create(podsRef, 'default', pod('once', {
      restartPolicy: 'Never',
      containers: [{ name: 'app', image: 'busybox:1.36', lifecycle: { postStart: { exec: { command: ['exit', '3'] } } } }],
    }));
    const p = await waitFor('failed', async () => {
      const p = await get(h, 'once');
      return statusOf(p).phase === 'Failed' ? p : undefined;
    });
    const cs = containerStatuses(p)[0];
    assert.equal(cs?.state.terminated?.exitCode, 143, 'stopped with SIGTERM');
    assert.equal(cs?.restartCount, 0);
  } finally {
    await h.stop();
  }
});

test('httpGet hooks call the pod with kubelet\'s user agent: postStart at start, preStop before the stop', async () => {
  const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    res.writeHead(500).end(); // the status is not checked: only a failed request fails a hook
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const h = await startKubelet();
  try {
    await h.api.client.create(podsRef, 'default', pod('web', {
      terminationGracePeriodSeconds: 10,
      containers: [{
        name: 'app', image: 'busybox:1.36', ports: [{ name: 'http', containerPort: port }],
        lifecycle: {
          postStart: { httpGet: { host: '127.0.0.1', port: 'http', path: '/started', httpHeaders: [{ name: 'X-Hook', value: 'post' }] } },
          preStop: { httpGet: { host: '127.0.0.1', port, path: 'stopping' } },
        },
      }],
    }));
    await waitFor('running', async () => statusOf(await get(h, 'web')).phase === 'Running');
    assert.equal(seen[0]?.path, '/started');
    assert.equal(seen[0]?.headers['user-agent'], 'kube-lifecycle/1.32');
    assert.equal(seen[0]?.headers['x-hook'], 'post');
    await h.api.client.delete(podsRef, 'default', 'web');
    await waitFor('pod removed', () => gone(h, 'web'));
    assert.deepEqual(seen.map((s) => s.path), ['/started', '/stopping']);
    assert.ok(h.runtime.calls.some((c) => c.op === 'stopContainer' && c.name === 'app:10'));
    assert.equal((await events(h, 'web')).some((e) => e.reason === 'FailedPostStartHook' || e.reason === 'FailedPreStopHook'), false);
  } finally {
    await h.stop();
    server.close();
  }
});

test('deletion: preStop runs before StopContainer, which gets what is left of the deletion\'s grace period (at least 2 s)', async () => {
  const h = await startKubelet();
  try {
    await h.api.client.create(podsRef, 'default', pod('graceful', {
      terminationGracePeriodSeconds: 30,
      containers: [
        { name: 'exec', image: 'busybox:1.36', lifecycle: { preStop: { exec: { command: ['sleep', '50'] } } } },
        { name: 'sleeper', image: 'busybox:1.36', lifecycle: { preStop: { sleep: { seconds: 1 } } } },
        { name: 'failing', image: 'busybox:1.36', lifecycle: { preStop: { exec: { command: ['exit', '1'] } } } },
      ],
    }));
    await waitFor('running', async () => statusOf(await get(h, 'graceful')).phase === 'Running');
    await h.api.client.delete(podsRef, 'default', 'graceful', { gracePeriodSeconds: 5 });
    await waitFor('pod removed', () => gone(h, 'graceful'), 15_000);
    const ops = h.runtime.calls.map((c) => `${c.op} ${c.name ?? ''}`);
    assert.ok(ops.indexOf('execSync exec:sleep 50') < ops.indexOf('stopContainer exec:5'), ops.join('\n'));
    assert.ok(ops.includes('stopContainer sleeper:4'), 'the 1 s sleep is taken off the 5 s');
    assert.ok(ops.includes('stopContainer failing:5'));
    const failed = (await events(h, 'graceful')).filter((e) => e.reason === 'FailedPreStopHook');
    assert.deepEqual(failed.map((e) => [e.type, e.message]), [['Warning', 'PreStopHook failed']]);

    await h.api.client.create(podsRef, 'default', pod('hasty', { containers: [{ name: 'app', image: 'busybox:1.36' }] }));
    await waitFor('running', async () => statusOf(await get(h, 'hasty')).phase === 'Running');
    await h.api.client.delete(podsRef, 'default', 'hasty', { gracePeriodSeconds: 1 });
    await waitFor('pod removed', () => gone(h, 'hasty'));
    assert.ok(h.runtime.calls.some((c) => c.op === 'stopContainer' && c.name === 'app:2'), 'never less than 2 s');
  } finally {
    await h.stop();
  }
});

test('deleting a pod whose postStart hook hangs does not wait for the hook, and starts nothing more', async () => {
  const h = await startKubelet();
  try {
    await h.api.client.create(podsRef, 'default', pod('stuck', {
      containers: [
        { name: 'first', image: 'busybox:1.36', lifecycle: { postStart: { exec: { command: ['sleep', '600000'] } } } },
        { name: 'second', image: 'busybox:1.36' },
      ],
    }));
    await waitFor('the hook running', () => h.runtime.calls.some((c) => c.op === 'execSync' && c.name === 'first:sleep 600000'));
    await h.api.client.delete(podsRef, 'default', 'stuck', { gracePeriodSeconds: 1 });
    await waitFor('pod removed', () => gone(h, 'stuck'));
    assert.equal(h.runtime.calls.some((c) => c.op === 'startContainer' && c.name === 'second'), false);
  } finally {
    await h.stop();
  }
});
