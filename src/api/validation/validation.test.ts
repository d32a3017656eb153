import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindStrategies, formatFieldError } from './index.js';
import type { KubeObject } from '../types.js';

type Any = Record<string, any>;

function pod(spec: Any, name = 'p'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: 'u-1' }, spec } as unknown as KubeObject;
}

function create(key: string, o: KubeObject): string[] {
  const s = kindStrategies[key]!;
  s.defaults?.(o);
  return (s.validateCreate?.(o) ?? []).map(formatFieldError);
}

test('pod with no image: Required value', () => {
  const msgs = create('core/Pod', pod({ containers: [{ name: 'a' }] }));
  assert.deepEqual(msgs, ['spec.containers[0].image: Required value']);
});
