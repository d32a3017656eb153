import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonical, formatQuantity } from './limit-range.js';

// Admission behaviour is tested end to end in src/controllers/resource-quota-*.test.ts
// (the layering keeps client/testing out of apiserver).
describe('quantity printing', () => {
  it('prints quantities canonically, keeping binary SI', () => {
    assert.equal(canonical('1000m'), '1');
    assert.equal(canonical('0.5'), '500m');
    assert.equal(canonical('1024Mi'), '1Gi');
    assert.equal(canonical('1536Mi'), '1536Mi');
    assert.equal(canonical('64M'), '64M');
    assert.equal(formatQuantity(0.1 + 0.2), '300m');
    assert.equal(formatQuantity(1500), '1500');
  });
});
