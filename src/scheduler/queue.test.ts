import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulingQueue } from './queue.js';
import type { Pod } from './types.js';

const pod = (name: string, priority = 0, labels: Record<string, string> = {}): Pod => ({ metadata: { name, namespace: 'default', labels }, spec: { priority, containers: [] } });

test('the queue pops higher priority first, then in arrival order', async () => {
  const q = new SchedulingQueue();
  q.add('a', pod('a'));
  q.add('b', pod('b', 10));
  q.add('c', pod('c'));
  q.add('d', pod('d', 10));
  const order: string[] = [];
  for (let i = 0; i < 4; i++) order.push((await q.pop())!.key);
  assert.deepEqual(order, ['b', 'd', 'a', 'c']);
  q.close();
  assert.equal(await q.pop(), undefined);
});

test('unschedulable pods wait for a move; status-only updates do not wake them, spec changes do', async () => {
  let now = 0;
  const q = new SchedulingQueue({ initialBackoffMs: 0, now: () => now });
  q.add('a', pod('a'));
  const first = (await q.pop())!;
  assert.equal(first.attempts, 1);
  q.unschedulable('a', ['NodeResourcesFit']);
  assert.equal(q.state('a'), 'unschedulable');
  q.add('a', { ...pod('a'), status: { phase: 'Pending' } });
  assert.equal(q.state('a'), 'unschedulable');
  q.add('a', pod('a', 0, { changed: 'yes' }));
  assert.equal(q.state('a'), 'active');
  now += 1;
  const again = (await q.pop())!;
  assert.equal(again.attempts, 2);
  q.unschedulable('a', ['NodeResourcesFit']);
  q.moveAllToActive((p) => p.unschedulablePlugins.has('InterPodAffinity'));
  assert.equal(q.state('a'), 'unschedulable');
  q.moveAllToActive();
  assert.equal(q.state('a'), 'active');
  q.delete('a');
  assert.equal(q.size, 0);
  q.close();
});

test('a move while a pod is being scheduled sends it to back-off, not to the unschedulable area', async () => {
  const q = new SchedulingQueue({ initialBackoffMs: 5, maxBackoffMs: 5 });
  q.add('a', pod('a'));
  await q.pop();
  q.moveAllToActive();
  q.unschedulable('a', []);
  assert.equal(q.state('a'), 'backoff');
  const again = await q.pop();
  assert.equal(again?.key, 'a');
  q.backoff('a');
  assert.equal(q.state('a'), 'backoff');
  q.close();
});
