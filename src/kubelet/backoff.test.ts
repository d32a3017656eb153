import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackOff, goDuration } from './backoff.js';

/** kubelet's container back-off: 10 s doubling to 5 min, forgiven after 10 minutes of running. */
function crashLoop(): { backOff: BackOff; clock: { t: number } } {
  const clock = { t: 1_000_000 };
  return { backOff: new BackOff({ initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000, now: () => clock.t }), clock };
}

/** The container (started at `clock.t`) runs `ranMs` and exits: returns its finish time. */
function crash(clock: { t: number }, ranMs: number): number {
  clock.t += ranMs;
  return clock.t;
}

test('the first restart is immediate, then 10s, 20s, 40s … capped at 5m0s', () => {
  const { backOff, clock } = crashLoop();
  const key = 'uid/app';
  let finished = crash(clock, 100);
  assert.equal(backOff.isInBackOffSince(key, finished), false, 'no entry yet: restart now');
  backOff.next(key, finished);
  const delays: string[] = [];
  for (let i = 0; i < 7; i++) {
    finished = crash(clock, 100);
    assert.equal(backOff.isInBackOffSince(key, finished), true);
    delays.push(goDuration(backOff.delayOf(key)));
    clock.t = finished + backOff.delayOf(key) - 1;
    assert.equal(backOff.isInBackOffSince(key, finished), true, 'still waiting 1 ms before the delay ends');
    clock.t += 1;
    assert.equal(backOff.isInBackOffSince(key, finished), false, 'the delay has passed');
    backOff.next(key, finished);
  }
  assert.deepEqual(delays, ['10s', '20s', '40s', '1m20s', '2m40s', '5m0s', '5m0s']);
});

test('a container that ran more than 10 minutes starts over at 10s', () => {
  const { backOff, clock } = crashLoop();
  const key = 'uid/app';
  backOff.next(key, crash(clock, 100));
  for (let i = 0; i < 4; i++) {
    const finished = crash(clock, 100);
    clock.t += backOff.delayOf(key);
    backOff.next(key, finished);
  }
  assert.equal(backOff.delayOf(key), 160_000);
  // Restarted now; it runs 4 minutes: not forgiven, the delay doubles.
  let finished = crash(clock, 4 * 60_000);
  assert.equal(backOff.isInBackOffSince(key, finished), true);
  clock.t += backOff.delayOf(key);
  backOff.next(key, finished);
  assert.equal(backOff.delayOf(key), 300_000);
  // Restarted now; it runs 10 minutes and a second: forgiven, restarted at once, next delay 10s.
  finished = crash(clock, 600_001);
  assert.equal(backOff.isInBackOffSince(key, finished), false);
  backOff.next(key, finished);
  assert.equal(backOff.delayOf(key), 10_000);
});

test('an entry untouched for twice the maximum is forgotten; inBackOff counts from the last failure', () => {
  const clock = { t: 0 };
  const backOff = new BackOff({ initialMs: 1000, maxMs: 4000, now: () => clock.t });
  backOff.next('pull');
  assert.equal(backOff.inBackOff('pull'), true);
  clock.t = 999;
  assert.equal(backOff.inBackOff('pull'), true);
  clock.t = 1000;
  assert.equal(backOff.inBackOff('pull'), false);
  backOff.next('pull');
  assert.equal(backOff.delayOf('pull'), 2000);
  clock.t += 8001;
  assert.equal(backOff.delayOf('pull'), 0);
  assert.throws(() => new BackOff({ initialMs: 0 }), /Cannot create back-off/);
});
