import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, selectorFromObject, formatLabelSelector } from './selectors.js';
import { StatusError } from './errors.js';

describe('label selectors', () => {
  it('matches equality and set-based requirements as kubectl -l sends them', () => {
    const labels = { app: 'nginx', tier: 'web' };
    assert.equal(matchesLabels(parseLabelSelector('app=nginx'), labels), true);
    assert.equal(matchesLabels(parseLabelSelector('app==nginx,tier=web'), labels), true);
    assert.equal(matchesLabels(parseLabelSelector('app!=nginx'), labels), false);
    assert.equal(matchesLabels(parseLabelSelector('tier in (web, db)'), labels), true);
    assert.equal(matchesLabels(parseLabelSelector('tier notin (web)'), labels), false);
    assert.equal(matchesLabels(parseLabelSelector('app,!missing'), labels), true);
    assert.equal(matchesLabels(parseLabelSelector('!app'), labels), false);
    assert.equal(matchesLabels(parseLabelSelector('env=prod'), labels), false);
    assert.equal(matchesLabels(parseLabelSelector(''), undefined), true);
  });
  it('refuses malformed selectors with a 400', () => {
    for (const bad of ['app=(x', 'a b c', 'app=Ünïcode', '=x']) {
      assert.throws(() => parseLabelSelector(bad), (e: unknown) => e instanceof StatusError && e.code === 400, bad);
    }
  });
  it('converts LabelSelector objects and prints them like Scale.status.selector', () => {
    const selector = selectorFromObject({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] });
    assert.equal(formatLabelSelector(selector), 'app=web,tier in (a,b)');
    assert.equal(matchesLabels(selector, { app: 'web', tier: 'a' }), true);
  });
});

describe('field selectors', () => {
  it('parses terms with escapes and matches', () => {
    const terms = parseFieldSelector('metadata.name=a\\,b,status.phase!=Running');
    assert.deepEqual(terms, [
      { field: 'metadata.name', operator: '=', value: 'a,b' },
      { field: 'status.phase', operator: '!=', value: 'Running' },
    ]);
    assert.equal(matchesFields(terms, { 'metadata.name': 'a,b', 'status.phase': 'Pending' }), true);
    assert.equal(matchesFields(terms, { 'metadata.name': 'a,b', 'status.phase': 'Running' }), false);
  });
  it('refuses a term without an operator', () => {
    assert.throws(() => parseFieldSelector('metadata.name'), (e: unknown) => e instanceof StatusError && e.code === 400);
  });
});
