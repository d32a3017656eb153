import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './queue.js';

test('a key is handled by one worker at a time, re-added keys run again, failures retry', async () => {
  const queue = new WorkQueue(1, 20);
  const stop = new AbortController();
  const handled: string[] = [];
  let failOnce = true;
  let concurrent = 0;
  let maxConcurrent = 0;
  const running = queue.run(4, async (key) => {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    await new Promise((r) => setTimeout(r, 5));
    concurrent--;
    handled.push(key);
    if (key === 'flaky' && failOnce) {
      failOnce = false;
      throw new Error('transient');
    }
  }, stop.signal);
  queue.add('a');
  queue.add('a');
  queue.add('flaky');
  await new Promise((r) => setTimeout(r, 1));
  queue.add('a');
  for (let i = 0; i < 100 && handled.filter((k) => k === 'flaky').length < 2; i++) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 20));
  stop.abort();
  await running;
  assert.equal(handled.filter((k) => k === 'a').length, 2, 'the duplicate add collapsed; the add during processing ran again');
  assert.equal(handled.filter((k) => k === 'flaky').length, 2, 'failed once, retried once');
  assert.ok(maxConcurrent <= 2);
});
