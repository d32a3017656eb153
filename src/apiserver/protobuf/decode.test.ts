import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKubernetesProtobuf, ProtobufError } from './decode.js';

// --- A tiny protobuf encoder -------------------------------------------------------------

function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const tag = (field: number, wireType: number): number[] => varint((field << 3) | wireType);

/** A varint field (wire type 0). */
function num(field: number, value: number | bigint): Uint8Array {
  return concat(tag(field, 0), varint(value));
}

/** A length-delimited field (wire type 2): a string, bytes or a nested message. */
function len(field: number, value: string | Uint8Array): Uint8Array {
  const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
  return concat(tag(field, 2), varint(bytes.length), bytes);
}

/** A message from its fields. */
const msg = (...fields: Uint8Array[]): Uint8Array => concat(...fields);

/** One map entry (a nested message with key 1 and value 2). */
const entry = (field: number, key: string, value: string | Uint8Array): Uint8Array => len(field, msg(len(1, key), len(2, value)));

const magic = [0x6b, 0x38, 0x73, 0x00];

/** The `k8s\0` magic and a runtime.Unknown envelope around the object's bytes. */
function body(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  return concat(magic, msg(len(1, msg(len(1, apiVersion), len(2, kind))), len(2, raw), len(3, ''), len(4, 'application/vnd.kubernetes.protobuf')));
}

const objectMeta = (name: string, namespace = 'default'): Uint8Array => msg(len(1, name), len(3, namespace));

// --- Tests --------------------------------------------------------------------------------

test('encoder sanity: varints', () => {
  assert.deepEqual(varint(0), [0]);
  assert.deepEqual(varint(1), [1]);
  assert.deepEqual(varint(300), [0xac, 0x02]);
  assert.equal(varint(-1).length, 10);
});

test('decodes a ConfigMap with data', () => {
  const raw = msg(len(1, objectMeta('settings')), entry(2, 'a', 'one'), entry(2, 'b', 'two'));
  const object = decodeKubernetesProtobuf(body('v1', 'ConfigMap', raw));
  assert.deepEqual(object, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'default' },
    data: { a: 'one', b: 'two' },
  });
});

test('a ConfigMap map entry with an empty value keeps the key', () => {
  const raw = msg(len(1, objectMeta('empty')), len(2, msg(len(1, 'k'))));
  const object = decodeKubernetesProtobuf(body('v1', 'ConfigMap', raw));
  assert.deepEqual(object.data, { k: '' });
});

test('decodes a Secret: bytes map values become base64', () => {
  const password = new Uint8Array([0x00, 0xff, 0x10, 0x68, 0x69]);
  const raw = msg(len(1, objectMeta('creds')), entry(2, 'password', password), entry(2, 'user', 'admin'), len(3, 'Opaque'));
  const object = decodeKubernetesProtobuf(body('v1', 'Secret', raw));
  assert.deepEqual(object, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds', namespace: 'default' },
    data: { password: Buffer.from(password).toString('base64'), user: Buffer.from('admin').toString('base64') },
    type: 'Opaque',
  });
});

/** An IntOrString: type 0 with intVal, or type 1 with strVal. */
const intOrInt = (n: number): Uint8Array => msg(num(1, 0), num(2, n));
const intOrString = (s: string): Uint8Array => msg(num(1, 1), len(3, s));

test('decodes a Deployment: replicas 0 kept, selector, template, strategy with IntOrString', () => {
  const container = msg(len(1, 'web'), len(2, 'nginx:1.27'), len(6, msg(num(3, 80), len(4, 'TCP'))));
  const template = msg(len(1, msg(len(11, msg(len(1, 'app'), len(2, 'web'))))), len(2, msg(len(2, container))));
  const strategy = msg(len(1, 'RollingUpdate'), len(2, msg(len(1, intOrInt(1)), len(2, intOrString('25%')))));
  const spec = msg(
    num(1, 0), // replicas: 0 (a pointer in Go: kept)
    len(2, msg(entry(1, 'app', 'web'))),
    len(3, template),
    len(4, strategy),
    num(5, 0), // minReadySeconds: 0 (not a pointer: dropped)
    num(7, 0), // paused: false (dropped)
  );
  const object = decodeKubernetesProtobuf(body('apps/v1', 'Deployment', msg(len(1, objectMeta('web')), len(2, spec))));
  assert.deepEqual(object, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }] }] },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: '25%' } },
    },
  });
});

test('IntOrString: int 0 and empty string survive inside the wrapper', () => {
  const strategy = msg(len(2, msg(len(1, intOrInt(0)), len(2, intOrString('0%')))));
  const object = decodeKubernetesProtobuf(body('apps/v1', 'Deployment', msg(len(2, msg(len(4, strategy))))));
  assert.deepEqual((object.spec as { strategy: unknown }).strategy, { rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } });
});

test('decodes a Pod with resources limits map<string, Quantity>', () => {
  const resources = msg(len(1, msg(len(1, 'cpu'), len(2, msg(len(1, '500m'))))), len(1, msg(len(1, 'memory'), len(2, msg(len(1, '128Mi'))))), len(2, msg(len(1, 'cpu'), len(2, msg(len(1, '250m'))))));
  const container = msg(len(1, 'app'), len(2, 'busybox'), len(3, 'sh'), len(3, '-c'), len(8, resources));
  const object = decodeKubernetesProtobuf(body('v1', 'Pod', msg(len(1, objectMeta('p')), len(2, msg(len(2, container), len(3, 'Always'))))));
  assert.deepEqual(object.spec, {
    containers: [{ name: 'app', image: 'busybox', command: ['sh', '-c'], resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m' } } }],
    restartPolicy: 'Always',
  });
});

test('an empty Quantity decodes as "0"', () => {
  const container = msg(len(1, 'c'), len(8, msg(len(1, msg(len(1, 'cpu'), len(2, msg()))))));
  const object = decodeKubernetesProtobuf(body('v1', 'Pod', msg(len(2, msg(len(2, container))))));
  assert.deepEqual(object.spec, { containers: [{ name: 'c', resources: { limits: { cpu: '0' } } }] });
});

test('metadata Time becomes RFC3339; the zero time is dropped', () => {
  const meta = msg(len(1, 'cm'), len(8, msg(num(1, 1700000000), num(2, 123456789))), len(9, msg()));
  const object = decodeKubernetesProtobuf(body('v1', 'ConfigMap', msg(len(1, meta))));
  assert.deepEqual(object.metadata, { name: 'cm', creationTimestamp: '2023-11-14T22:13:20Z' });
});

test('metadata: labels, annotations, finalizers, generation int64', () => {
  const meta = msg(len(1, 'cm'), num(7, 5), entry(11, 'tier', 'db'), entry(12, 'note', 'hi'), len(14, 'example.com/a'), len(14, 'example.com/b'));
  const object = decodeKubernetesProtobuf(body('v1', 'ConfigMap', msg(len(1, meta))));
  assert.deepEqual(object.metadata, { name: 'cm', generation: 5, labels: { tier: 'db' }, annotations: { note: 'hi' }, finalizers: ['example.com/a', 'example.com/b'] });
});

test('a negative int32 sent as a 10-byte varint decodes as negative', () => {
  const negative = num(25, -5); // PodSpec.priority int32
  assert.equal(negative.length, 2 + 10);
  const object = decodeKubernetesProtobuf(body('v1', 'Pod', msg(len(2, msg(negative, num(4, -1))))));
  assert.deepEqual(object.spec, { priority: -5, terminationGracePeriodSeconds: -1 });
});

test('a negative int32 inside a container port', () => {
  const container = msg(len(1, 'c'), len(6, msg(num(3, -80))));
  const object = decodeKubernetesProtobuf(body('v1', 'Pod', msg(len(2, msg(len(2, container))))));
  assert.deepEqual(object.spec, { containers: [{ name: 'c', ports: [{ containerPort: -80 }] }] });
});

test('packed repeated int64 (PodSecurityContext.supplementalGroups)', () => {
  const packed = len(4, concat(varint(1000), varint(2000), varint(3)));
  const object = decodeKubernetesProtobuf(body('v1', 'Pod', msg(len(2, msg(len(14, msg(packed, num(2, 1000))))))));
  assert.deepEqual(object.spec, { securityContext: { supplementalGroups: [1000, 2000, 3], runAsUser: 1000 } });
});

test('unpacked repeated int64 and a mix of packed and unpacked append in order', () => {
  const fields = msg(num(4, 7), len(4, concat(varint(8), varint(9))), num(4, 10));
  const object = decodeKubernetesProtobuf(body('v1', 'Pod', msg(len(2, msg(len(14, fields))))));
  assert.deepEqual(object.spec, { securityContext: { supplementalGroups: [7, 8, 9, 10] } });
});

test('meaningful zeros and falses of pointer fields are kept; others dropped', () => {
  const spec = msg(num(21, 0), num(11, 0), len(3, ''), num(4, 0)); // automountServiceAccountToken false, hostNetwork false, restartPolicy '', terminationGracePeriodSeconds 0
  const object = decodeKubernetesProtobuf(body('v1', 'Pod', msg(len(2, spec))));
  assert.deepEqual(object.spec, { automountServiceAccountToken: false, terminationGracePeriodSeconds: 0 });
});

test('unknown field numbers are skipped', () => {
  const raw = msg(len(1, objectMeta('cm')), num(99, 1), len(100, 'junk'), entry(2, 'k', 'v'));
  const object = decodeKubernetesProtobuf(body('v1', 'ConfigMap', raw));
  assert.deepEqual(object.data, { k: 'v' });
});

test('a group with dots maps to its first label (rbac.authorization.k8s.io/v1 Role)', () => {
  const rule = msg(len(1, 'get'), len(1, 'list'), len(2, ''), len(3, 'pods'));
  const object = decodeKubernetesProtobuf(body('rbac.authorization.k8s.io/v1', 'Role', msg(len(1, objectMeta('r')), len(2, rule))));
  assert.equal(object.apiVersion, 'rbac.authorization.k8s.io/v1');
  assert.deepEqual(object.rules, [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]);
});

// --- Errors -------------------------------------------------------------------------------

const isProtobufError = (error: unknown): boolean => error instanceof ProtobufError;

test('missing magic is a ProtobufError', () => {
  const good = body('v1', 'ConfigMap', msg(len(1, objectMeta('cm'))));
  assert.throws(() => decodeKubernetesProtobuf(good.subarray(4)), isProtobufError);
  assert.throws(() => decodeKubernetesProtobuf(new Uint8Array([0x6b, 0x38, 0x73])), isProtobufError);
  assert.throws(() => decodeKubernetesProtobuf(new Uint8Array()), isProtobufError);
  assert.throws(() => decodeKubernetesProtobuf(new TextEncoder().encode('{"kind":"ConfigMap"}')), isProtobufError);
});

test('a truncated envelope is a ProtobufError', () => {
  const good = body('v1', 'ConfigMap', msg(len(1, objectMeta('cm')), entry(2, 'k', 'v')));
  for (const cut of [5, 10, good.length - 1]) {
    assert.throws(() => decodeKubernetesProtobuf(good.subarray(0, cut)), isProtobufError, `cut at ${cut}`);
  }
});

test('a truncated field inside the object is a ProtobufError', () => {
  const raw = msg(len(1, objectMeta('cm')), entry(2, 'k', 'value'));
  const truncated = raw.subarray(0, raw.length - 2);
  assert.throws(() => decodeKubernetesProtobuf(body('v1', 'ConfigMap', truncated)), isProtobufError);
});

test('a truncated varint is a ProtobufError', () => {
  const raw = concat(tag(7, 0), [0x80, 0x80]); // generation with continuation bits and no end
  assert.throws(() => decodeKubernetesProtobuf(body('v1', 'ConfigMap', msg(len(1, raw)))), isProtobufError);
});

test('an over-long varint is a ProtobufError', () => {
  const raw = concat(tag(7, 0), new Array(11).fill(0xff));
  assert.throws(() => decodeKubernetesProtobuf(body('v1', 'ConfigMap', msg(len(1, raw)))), isProtobufError);
});

test('an unsupported wire type is a ProtobufError', () => {
  const raw = concat(tag(1, 3)); // start group
  assert.throws(() => decodeKubernetesProtobuf(body('v1', 'ConfigMap', raw)), isProtobufError);
});

test('an unknown kind is a ProtobufError naming it', () => {
  assert.throws(() => decodeKubernetesProtobuf(body('v1', 'Gizmo', msg())), (e: unknown) => isProtobufError(e) && /Gizmo/.test((e as Error).message));
  assert.throws(() => decodeKubernetesProtobuf(body('example.com/v1', 'Widget', msg())), isProtobufError);
  assert.throws(() => decodeKubernetesProtobuf(concat(magic, msg(len(2, msg())))), isProtobufError);
});

test('PodDisruptionBudget minAvailable: 0 (a pointer IntOrString) is kept', () => {
  const spec = msg(len(1, intOrInt(0)), len(2, msg(entry(1, 'app', 'web'))));
  const object = decodeKubernetesProtobuf(body('policy/v1', 'PodDisruptionBudget', msg(len(1, objectMeta('pdb')), len(2, spec))));
  assert.deepEqual(object.spec, { minAvailable: 0, selector: { matchLabels: { app: 'web' } } });
});

test('Service targetPort IntOrString and nodePort int32', () => {
  const port = msg(len(2, 'TCP'), num(3, 80), len(4, intOrString('http')), num(5, 30080));
  const object = decodeKubernetesProtobuf(body('v1', 'Service', msg(len(1, objectMeta('svc')), len(2, msg(len(1, port))))));
  assert.deepEqual((object.spec as { ports: unknown }).ports, [{ protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30080 }]);
});
