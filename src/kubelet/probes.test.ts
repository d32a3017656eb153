import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../client/testing.js';
import { containerStatuses, pod, podsRef, startKubelet, statusOf } from './test-helpers.js';

// The fake runtime's execSync exits with N for the command ['exit', 'N'].
const probe = (code: number, extra: Record<string, unknown> = {}) => ({ exec: { command: ['exit', String(code)] }, periodSeconds: 1, ...extra });

test('a startup probe holds back started, readiness and liveness until it succeeds', async () => {
  const h = await startKubelet();
  try {
    await h.api.client.create(podsRef, 'default', pod('slow', {
      containers: [{ name: 'app', image: 'busybox:1.36', startupProbe: probe(0, { initialDelaySeconds: 2 }), readinessProbe: probe(0), livenessProbe: probe(1, { failureThreshold: 100 }) }],
    }));
    const starting = await waitFor('running, not started', async () => {
      const p = await h.api.client.get(podsRef, 'default', 'slow');
      const [status] = containerStatuses(p);
      return status?.state.running ? status : undefined;
    });
    assert.deepEqual({ started: starting.started, ready: starting.ready }, { started: false, ready: false });
    const started = await waitFor('started and ready', async () => {
      const [status] = containerStatuses(await h.api.client.get(podsRef, 'default', 'slow'));
      return status?.started && status.ready ? status : undefined;
    }, 10_000);
    assert.equal(started.restartCount, 0);
    // Liveness only began after startup: its failures are reported from then on.
    await waitFor('liveness failures reported', async () => {
      const events = await h.api.client.list({ apiVersion: 'v1', plural: 'events' }, 'default');
      return events.items.some((e) => e.reason === 'Unhealthy' && String(e.message).startsWith('Liveness probe failed')) || undefined;
    }, 10_000);
  } finally {
    await h.stop();
  }
});

test('a failing startup probe restarts the container with Unhealthy and Killing events', async () => {
  const h = await startKubelet();
  try {
    await h.api.client.create(podsRef, 'default', pod('stuck', {
      containers: [{ name: 'app', image: 'busybox:1.36', startupProbe: probe(1, { failureThreshold: 2 }), readinessProbe: probe(0) }],
    }));
    const events = await waitFor('killing event', async () => {
      const list = await h.api.client.list({ apiVersion: 'v1', plural: 'events' }, 'default');
      return list.items.some((e) => e.reason === 'Killing') ? list.items : undefined;
    }, 15_000);
    assert.ok(events.some((e) => e.reason === 'Unhealthy' && String(e.message).startsWith('Startup probe failed')));
    assert.ok(events.some((e) => e.reason === 'Killing' && e.message === 'Container app failed startup probe, will be restarted'));
    assert.ok(!events.some((e) => String(e.message).startsWith('Readiness probe')), 'readiness waits for startup');
    const p = await waitFor('restarted', async () => {
      const current = await h.api.client.get(podsRef, 'default', 'stuck');
      return (containerStatuses(current)[0]?.restartCount ?? 0) >= 1 ? current : undefined;
    }, 15_000);
    assert.equal(statusOf(p).phase, 'Running');
  } finally {
    await h.stop();
  }
});

test("a liveness kill uses the probe's own terminationGracePeriodSeconds instead of the pod's", async () => {
  const h = await startKubelet();
  try {
    await h.api.client.create(podsRef, 'default', pod('quick', {
      terminationGracePeriodSeconds: 30,
      containers: [{ name: 'app', image: 'busybox:1.36', livenessProbe: probe(1, { failureThreshold: 1, terminationGracePeriodSeconds: 7 }) }],
    }));
    await waitFor('the kill', async () => h.runtime.calls.some((c) => c.op === 'stopContainer') || undefined, 10_000);
    assert.deepEqual(h.runtime.calls.filter((c) => c.op === 'stopContainer').map((c) => c.name)[0], 'app:7');
  } finally {
    await h.stop();
  }
});
