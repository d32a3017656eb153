import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podResourceTotals } from './pod-resources.js';

type C = { cpu: number; restartPolicy?: string };
const cpu = (c: C) => new Map([['cpu', c.cpu]]);

test('an init container runs beside the sidecars started before it; overhead is added', () => {
  // Sidecar 1 starts, then the 1.5 init container runs beside it (2.5), then the 1-cpu app (1 + 1 = 2).
  const totals = podResourceTotals<C>([{ cpu: 1 }], [{ cpu: 1, restartPolicy: 'Always' }, { cpu: 1.5 }], cpu, new Map([['cpu', 0.25]]));
  assert.deepEqual(totals, new Map([['cpu', 2.75]]));
  // An init container before any sidecar is measured alone.
  assert.deepEqual(podResourceTotals<C>([{ cpu: 1 }], [{ cpu: 1.5 }, { cpu: 1, restartPolicy: 'Always' }], cpu), new Map([['cpu', 2]]));
});
