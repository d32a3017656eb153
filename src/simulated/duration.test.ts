import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration } from './duration.js';

test('parseGoDuration reads Go duration text as milliseconds', () => {
  assert.equal(parseGoDuration('500ms'), 500);
  assert.equal(parseGoDuration('1s'), 1000);
  assert.equal(parseGoDuration('2m'), 120_000);
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('1.5s'), 1500);
  assert.equal(parseGoDuration('.5s'), 500);
  assert.equal(parseGoDuration('1m0.5s'), 60_500);
  assert.equal(parseGoDuration('250us'), 0.25);
  assert.equal(parseGoDuration('1000000ns'), 1);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('-2s'), -2000);
  assert.equal(parseGoDuration('+3ms'), 3);
});

test('parseGoDuration rejects what Go rejects', () => {
  for (const bad of ['', '1', '10', 's', '1x', '1 s', '1s ms', '--1s', '1d', 'abc', '1.s.']) {
    assert.throws(() => parseGoDuration(bad), /invalid duration|unknown unit/, bad);
  }
});
