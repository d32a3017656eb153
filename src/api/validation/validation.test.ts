import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../types.js';
import {
  kindStrategies,
  formatFieldError,
  causeMessage,
  parseQuantity,
  pullPolicyFor,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const rfc1123Subdomain =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const rfc1123Label =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

function pod(spec: Any, name = 'p'): KubeObject & Any {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: 'u-1' }, spec };
}

function strategy(key: string) {
  const s = kindStrategies[key];
  assert.ok(s, `no strategy for ${key}`);
  return s;
}

/** defaults then validateCreate, as the engine does; returns the formatted messages. */
function create(key: string, o: KubeObject): string[] {
  const s = strategy(key);
  s.defaults?.(o);
  return (s.validateCreate?.(o) ?? []).map(formatFieldError);
}

function update(key: string, o: KubeObject, old: KubeObject): string[] {
  const s = strategy(key);
  s.defaults?.(old);
  s.defaults?.(o);
  return (s.validateUpdate?.(o, old) ?? []).map(formatFieldError);
}

const createPod = (spec: Any) => create('core/Pod', pod(spec));
const c = (extra: Any = {}) => ({ name: 'a', image: 'nginx:1.27', ...extra });

describe('formatFieldError / causeMessage', () => {
  test('Required prints no value', () => {
    assert.equal(formatFieldError({ type: 'FieldValueRequired', field: 'spec.x' }), 'spec.x: Required value');
    assert.equal(formatFieldError({ type: 'FieldValueRequired', field: 'spec.x', detail: 'why' }), 'spec.x: Required value: why');
  });
  test('Invalid prints strings quoted and numbers bare', () => {
    assert.equal(formatFieldError({ type: 'FieldValueInvalid', field: 'a', value: 'x', detail: 'd' }), 'a: Invalid value: "x": d');
    assert.equal(formatFieldError({ type: 'FieldValueInvalid', field: 'a', value: 7, detail: 'd' }), 'a: Invalid value: 7: d');
    assert.equal(formatFieldError({ type: 'FieldValueInvalid', field: 'a', value: true, detail: 'd' }), 'a: Invalid value: true: d');
    assert.equal(formatFieldError({ type: 'FieldValueInvalid', field: 'a', value: null, detail: 'd' }), 'a: Invalid value: null: d');
  });
  test('maps print as Go map[string]string with sorted keys', () => {
    assert.equal(
      formatFieldError({ type: 'FieldValueInvalid', field: 'l', value: { b: '2', a: '1' }, detail: 'd' }),
      'l: Invalid value: map[string]string{"a":"1", "b":"2"}: d',
    );
  });
  test('string slices print as []string', () => {
    assert.equal(causeMessage({ type: 'FieldValueInvalid', field: 'x', value: ['a', 'b'], detail: 'd' }), 'Invalid value: []string{"a", "b"}: d');
  });
  test('NotSupported lists supported values', () => {
    assert.equal(
      formatFieldError({ type: 'FieldValueNotSupported', field: 'f', value: 'x', supported: ['a', 'b'] }),
      'f: Unsupported value: "x": supported values: "a", "b"',
    );
  });
  test('Duplicate, Forbidden, NotFound, TooLong', () => {
    assert.equal(formatFieldError({ type: 'FieldValueDuplicate', field: 'f', value: 'a' }), 'f: Duplicate value: "a"');
    assert.equal(formatFieldError({ type: 'FieldValueForbidden', field: 'f', detail: 'no' }), 'f: Forbidden: no');
    assert.equal(formatFieldError({ type: 'FieldValueNotFound', field: 'f', value: 'v' }), 'f: Not found: "v"');
    assert.equal(formatFieldError({ type: 'FieldValueTooLong', field: 'f', value: 'xxx', detail: 'may not be more than 2 bytes' }), 'f: Too long: may not be more than 2 bytes');
  });
  test('no field prints only the body', () => {
    assert.equal(formatFieldError({ type: 'FieldValueForbidden', field: '', detail: 'no' }), 'Forbidden: no');
  });
});

describe('parseQuantity', () => {
  test('decimal and binary suffixes', () => {
    assert.equal(parseQuantity('500m'), 0.5);
    assert.equal(parseQuantity('1.5'), 1.5);
    assert.equal(parseQuantity('128Mi'), 128 * 1024 * 1024);
    assert.equal(parseQuantity('1Gi'), 2 ** 30);
    assert.equal(parseQuantity('1k'), 1000);
    assert.equal(parseQuantity('2M'), 2e6);
    assert.equal(parseQuantity('1e3'), 1000);
    assert.equal(parseQuantity(2), 2);
  });
  test('garbage is undefined', () => {
    assert.equal(parseQuantity('abc'), undefined);
    assert.equal(parseQuantity('1..2'), undefined);
    assert.equal(parseQuantity('1Xi'), undefined);
    assert.equal(parseQuantity({}), undefined);
    assert.equal(parseQuantity(Infinity), undefined);
  });
});

describe('pullPolicyFor', () => {
  test('latest or untagged pulls Always', () => {
    assert.equal(pullPolicyFor('nginx'), 'Always');
    assert.equal(pullPolicyFor('nginx:latest'), 'Always');
    assert.equal(pullPolicyFor('registry.example.com:5000/nginx'), 'Always');
  });
  test('tag or digest pulls IfNotPresent', () => {
    assert.equal(pullPolicyFor('nginx:1.27'), 'IfNotPresent');
    assert.equal(pullPolicyFor('registry.example.com:5000/nginx:1.27'), 'IfNotPresent');
    assert.equal(pullPolicyFor('nginx@sha256:' + 'a'.repeat(64)), 'IfNotPresent');
  });
});

describe('validateObjectMeta', () => {
  const meta = (metadata: Any): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata });
  test('uppercase name is not a DNS subdomain', () => {
    const errors = validateObjectMeta(meta({ name: 'Nginx', namespace: 'default' }), true).map(formatFieldError);
    assert.deepEqual(errors, [`metadata.name: Invalid value: "Nginx": ${rfc1123Subdomain}`]);
  });
  test('name or generateName is required', () => {
    const errors = validateObjectMeta(meta({ namespace: 'default' }), true).map(formatFieldError);
    assert.deepEqual(errors, ['metadata.name: Required value: name or generateName is required']);
    assert.deepEqual(validateObjectMeta(meta({ generateName: 'x-', namespace: 'default' }), true), []);
  });
  test('namespace required for namespaced kinds and forbidden otherwise', () => {
    assert.deepEqual(validateObjectMeta(meta({ name: 'a' }), true).map(formatFieldError), ['metadata.namespace: Required value']);
    assert.deepEqual(validateObjectMeta(meta({ name: 'a', namespace: 'x' }), false).map(formatFieldError), ['metadata.namespace: Forbidden: not allowed on this type']);
  });
  test('namespace must be a DNS label', () => {
    assert.deepEqual(validateObjectMeta(meta({ name: 'a', namespace: 'a.b' }), true).map(formatFieldError), [`metadata.namespace: Invalid value: "a.b": ${rfc1123Label}`]);
  });
  test('a long name', () => {
    const name = 'a'.repeat(254);
    assert.deepEqual(validateObjectMeta(meta({ name, namespace: 'd' }), true).map(formatFieldError), [`metadata.name: Invalid value: "${name}": must be no more than 253 characters`]);
  });
  test('bad label value', () => {
    const errors = validateObjectMeta(meta({ name: 'a', namespace: 'd', labels: { app: 'a b' } }), true).map(formatFieldError);
    assert.deepEqual(errors, [
      `metadata.labels: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ]);
  });
  test('bad label key', () => {
    const errors = validateObjectMeta(meta({ name: 'a', namespace: 'd', labels: { 'a/b/c': 'x' } }), true).map(formatFieldError);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /^metadata\.labels: Invalid value: "a\/b\/c": a qualified name must consist of alphanumeric characters/);
  });
  test('valid metadata passes', () => {
    assert.deepEqual(validateObjectMeta(meta({ name: 'web.example', namespace: 'default', labels: { 'app.kubernetes.io/name': 'web' }, annotations: { 'x/y': 'anything goes' } }), true), []);
  });
  test('only one controller owner reference', () => {
    const ref = { apiVersion: 'v1', kind: 'X', name: 'x', uid: '1', controller: true };
    const errors = validateObjectMeta(meta({ name: 'a', namespace: 'd', ownerReferences: [ref, { ...ref, uid: '2' }] }), true).map(formatFieldError);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /^metadata\.ownerReferences: Invalid value: .*Only one reference can have Controller set to true$/);
  });
  test('update may not change name, namespace or uid', () => {
    const old = meta({ name: 'a', namespace: 'd', uid: '1' });
    assert.deepEqual(validateObjectMetaUpdate(meta({ name: 'a', namespace: 'd', uid: '1', labels: { x: 'y' } }), old), []);
    assert.deepEqual(validateObjectMetaUpdate(meta({ name: 'b', namespace: 'd', uid: '1' }), old).map(formatFieldError), ['metadata.name: Invalid value: "b": field is immutable']);
  });
});

describe('Pod defaults', () => {
  test('the defaults kubectl get -o yaml shows', () => {
    const p = pod({ containers: [{ name: 'a', image: 'nginx', ports: [{ containerPort: 80 }] }] });
    strategy('core/Pod').defaults!(p);
    const spec = p.spec;
    assert.equal(spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.schedulerName, 'default-scheduler');
    assert.equal(spec.terminationGracePeriodSeconds, 30);
    assert.equal(spec.serviceAccountName, 'default');
    assert.equal(spec.serviceAccount, 'default');
    assert.equal(spec.enableServiceLinks, true);
    assert.deepEqual(spec.securityContext, {});
    assert.equal(spec.priority, 0);
    assert.equal(spec.preemptionPolicy, 'PreemptLowerPriority');
    assert.deepEqual(spec.tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    const container = spec.containers[0];
    assert.equal(container.imagePullPolicy, 'Always');
    assert.equal(container.terminationMessagePath, '/dev/termination-log');
    assert.equal(container.terminationMessagePolicy, 'File');
    assert.deepEqual(container.resources, {});
    assert.deepEqual(container.ports, [{ containerPort: 80, protocol: 'TCP' }]);
  });
  for (const [image, policy] of [
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.27', 'IfNotPresent'],
    ['nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'IfNotPresent'],
  ] as const) {
    test(`imagePullPolicy for ${image} is ${policy}`, () => {
      const p = pod({ containers: [{ name: 'a', image }] });
      strategy('core/Pod').defaults!(p);
      assert.equal(p.spec.containers[0].imagePullPolicy, policy);
    });
  }
  test('explicit values are kept', () => {
    const p = pod({ containers: [{ name: 'a', image: 'nginx', imagePullPolicy: 'Never' }], restartPolicy: 'Never', serviceAccountName: 'robot', terminationGracePeriodSeconds: 5, enableServiceLinks: false });
    strategy('core/Pod').defaults!(p);
    assert.equal(p.spec.containers[0].imagePullPolicy, 'Never');
    assert.equal(p.spec.restartPolicy, 'Never');
    assert.equal(p.spec.serviceAccountName, 'robot');
    assert.equal(p.spec.serviceAccount, 'robot');
    assert.equal(p.spec.terminationGracePeriodSeconds, 5);
    assert.equal(p.spec.enableServiceLinks, false);
  });
  test('init containers are defaulted too', () => {
    const p = pod({ containers: [c()], initContainers: [{ name: 'i', image: 'busybox' }] });
    strategy('core/Pod').defaults!(p);
    assert.equal(p.spec.initContainers[0].imagePullPolicy, 'Always');
    assert.equal(p.spec.initContainers[0].terminationMessagePath, '/dev/termination-log');
  });
  test('a toleration for everything suppresses the default tolerations', () => {
    const p = pod({ containers: [c()], tolerations: [{ operator: 'Exists' }] });
    strategy('core/Pod').defaults!(p);
    assert.deepEqual(p.spec.tolerations, [{ operator: 'Exists' }]);
  });
  test('an existing not-ready toleration is kept and only unreachable is added', () => {
    const p = pod({ containers: [c()], tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }] });
    strategy('core/Pod').defaults!(p);
    assert.equal(p.spec.tolerations.length, 2);
    assert.equal(p.spec.tolerations[0].tolerationSeconds, 10);
    assert.equal(p.spec.tolerations[1].key, 'node.kubernetes.io/unreachable');
  });
  test('requests default to limits', () => {
    const p = pod({ containers: [c({ resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } } })] });
    strategy('core/Pod').defaults!(p);
    assert.deepEqual(p.spec.containers[0].resources.requests, { cpu: '500m', memory: '1Gi' });
  });
  test('probes get thresholds and httpGet scheme/path', () => {
    const p = pod({ containers: [c({ livenessProbe: { httpGet: { port: 80 } } })] });
    strategy('core/Pod').defaults!(p);
    assert.deepEqual(p.spec.containers[0].livenessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  });
  test('volumes: configMap defaultMode 420, bare volume becomes emptyDir', () => {
    const p = pod({ containers: [c()], volumes: [{ name: 'cm', configMap: { name: 'x' } }, { name: 'e' }] });
    strategy('core/Pod').defaults!(p);
    assert.equal(p.spec.volumes[0].configMap.defaultMode, 420);
    assert.deepEqual(p.spec.volumes[1], { name: 'e', emptyDir: {} });
  });
  test('a defaulted pod is valid', () => {
    assert.deepEqual(createPod({ containers: [c({ ports: [{ containerPort: 80, name: 'http' }] })] }), []);
  });
});

describe('Pod validation', () => {
  test('no image: Required value', () => {
    assert.deepEqual(createPod({ containers: [{ name: 'a' }] }), ['spec.containers[0].image: Required value']);
  });
  test('no containers: Required value', () => {
    assert.deepEqual(createPod({ containers: [] }), ['spec.containers: Required value']);
    assert.deepEqual(createPod({}), ['spec.containers: Required value']);
  });
  test('no container name: Required value', () => {
    assert.deepEqual(createPod({ containers: [{ image: 'nginx' }] }), ['spec.containers[0].name: Required value']);
  });
  test('duplicate container names', () => {
    assert.deepEqual(createPod({ containers: [c(), c()] }), ['spec.containers[1].name: Duplicate value: "a"']);
  });
  test('init container name clashing with a container', () => {
    assert.deepEqual(createPod({ containers: [c()], initContainers: [c()] }), ['spec.initContainers[0].name: Duplicate value: "a"']);
  });
  test('container name must be a DNS label', () => {
    assert.deepEqual(createPod({ containers: [c({ name: 'Web' })] }), [`spec.containers[0].name: Invalid value: "Web": ${rfc1123Label}`]);
  });
  test('restartPolicy Sometimes', () => {
    assert.deepEqual(createPod({ containers: [c()], restartPolicy: 'Sometimes' }), ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']);
  });
  test('dnsPolicy Weird', () => {
    assert.deepEqual(createPod({ containers: [c()], dnsPolicy: 'Weird' }), ['spec.dnsPolicy: Unsupported value: "Weird": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"']);
  });
  test('imagePullPolicy Sometimes', () => {
    assert.deepEqual(createPod({ containers: [c({ imagePullPolicy: 'Sometimes' })] }), ['spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"']);
  });
  test('containerPort 70000', () => {
    assert.deepEqual(createPod({ containers: [c({ ports: [{ containerPort: 70000 }] })] }), ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive']);
  });
  test('containerPort missing', () => {
    assert.deepEqual(createPod({ containers: [c({ ports: [{ name: 'http' }] })] }), ['spec.containers[0].ports[0].containerPort: Required value']);
  });
  test('hostPort out of range', () => {
    assert.deepEqual(createPod({ containers: [c({ ports: [{ containerPort: 80, hostPort: 0x10000 }] })] }), ['spec.containers[0].ports[0].hostPort: Invalid value: 65536: must be between 1 and 65535, inclusive']);
  });
  test('port protocol HTTP', () => {
    assert.deepEqual(createPod({ containers: [c({ ports: [{ containerPort: 80, protocol: 'HTTP' }] })] }), ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']);
  });
  test('duplicate port names in a container', () => {
    assert.deepEqual(createPod({ containers: [c({ ports: [{ containerPort: 80, name: 'http' }, { containerPort: 81, name: 'http' }] })] }), ['spec.containers[0].ports[1].name: Duplicate value: "http"']);
  });
  test('port name too long and not IANA', () => {
    const errors = createPod({ containers: [c({ ports: [{ containerPort: 80, name: 'a-very-long-port-name' }] })] });
    assert.deepEqual(errors, ['spec.containers[0].ports[0].name: Invalid value: "a-very-long-port-name": must be no more than 15 characters']);
  });
  test('requests greater than limits', () => {
    assert.deepEqual(
      createPod({ containers: [c({ resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } })] }),
      ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'],
    );
    assert.deepEqual(
      createPod({ containers: [c({ resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } })] }),
      ['spec.containers[0].resources.requests: Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi'],
    );
  });
  test('requests equal to limits in other units are fine', () => {
    assert.deepEqual(createPod({ containers: [c({ resources: { requests: { cpu: '1000m', memory: '1024Mi' }, limits: { cpu: '1', memory: '1Gi' } } })] }), []);
  });
  test('negative quantity', () => {
    assert.deepEqual(createPod({ containers: [c({ resources: { requests: { cpu: '-1' } } })] }), ['spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0']);
  });
  test('volume mount of an unknown volume', () => {
    assert.deepEqual(createPod({ containers: [c({ volumeMounts: [{ name: 'data', mountPath: '/data' }] })] }), ['spec.containers[0].volumeMounts[0].name: Not found: "data"']);
  });
  test('volume mount without a mountPath', () => {
    assert.deepEqual(createPod({ containers: [c({ volumeMounts: [{ name: 'data' }] })], volumes: [{ name: 'data', emptyDir: {} }] }), ['spec.containers[0].volumeMounts[0].mountPath: Required value']);
  });
  test('duplicate volume names', () => {
    assert.deepEqual(createPod({ containers: [c()], volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }] }), ['spec.volumes[1].name: Duplicate value: "v"']);
  });
  test('volume with two sources', () => {
    assert.deepEqual(createPod({ containers: [c()], volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/x' } }] }), ['spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type']);
  });
  test('configMap volume without a name', () => {
    assert.deepEqual(createPod({ containers: [c()], volumes: [{ name: 'v', configMap: {} }] }), ['spec.volumes[0].configMap.name: Required value']);
  });
  test('env var without a name', () => {
    assert.deepEqual(createPod({ containers: [c({ env: [{ value: 'x' }] })] }), ['spec.containers[0].env[0].name: Required value']);
  });
  test('env var name with =', () => {
    assert.deepEqual(createPod({ containers: [c({ env: [{ name: 'A=B', value: 'x' }] })] }), [
      `spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
    ]);
  });
  test('env valueFrom and value together', () => {
    assert.deepEqual(createPod({ containers: [c({ env: [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] })] }), [
      'spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
    ]);
  });
  test('probe without a handler', () => {
    assert.deepEqual(createPod({ containers: [c({ readinessProbe: { periodSeconds: 5 } })] }), ['spec.containers[0].readinessProbe: Required value: must specify a handler type']);
  });
  test('probe with two handlers', () => {
    assert.deepEqual(createPod({ containers: [c({ livenessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } } })] }), [
      'spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
    ]);
  });
  test('probe grace periods only on liveness and startup probes, above 0; one success for them', () => {
    const exec = { exec: { command: ['true'] } };
    assert.deepEqual(createPod({ containers: [c({
      readinessProbe: { ...exec, terminationGracePeriodSeconds: 5 },
      livenessProbe: { ...exec, terminationGracePeriodSeconds: 0, successThreshold: 2 },
      startupProbe: { ...exec, terminationGracePeriodSeconds: 10 },
    })] }), [
      'spec.containers[0].livenessProbe.terminationGracePeriodSeconds: Invalid value: 0: must be greater than 0',
      'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
      'spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: must not be set for readinessProbes',
    ]);
  });
  test('restartPolicy on a regular container is forbidden', () => {
    assert.deepEqual(createPod({ containers: [c({ restartPolicy: 'Always' })] }), ['spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers']);
  });
  test('sidecar (init container restartPolicy Always) is accepted', () => {
    assert.deepEqual(createPod({ containers: [c()], initContainers: [{ name: 'side', image: 'envoy:1', restartPolicy: 'Always', readinessProbe: { tcpSocket: { port: 80 } } }] }), []);
  });
  test('toleration with Exists and a value', () => {
    assert.deepEqual(createPod({ containers: [c()], tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] }), [
      "spec.tolerations[0].operator: Invalid value: \"Exists\": value must be empty when `operator` is 'Exists'",
    ]);
  });
  test('tolerationSeconds without NoExecute', () => {
    assert.deepEqual(createPod({ containers: [c()], tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule', tolerationSeconds: 5 }] }), [
      "spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
    ]);
  });
  test('activeDeadlineSeconds 0', () => {
    assert.deepEqual(createPod({ containers: [c()], activeDeadlineSeconds: 0 }), ['spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive']);
  });
  test('dnsPolicy None without dnsConfig', () => {
    assert.deepEqual(createPod({ containers: [c()], dnsPolicy: 'None' }), ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None']);
  });
  test('bad nodeSelector value', () => {
    const errors = createPod({ containers: [c()], nodeSelector: { disk: 'fast ssd' } });
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /^spec\.nodeSelector: Invalid value: "fast ssd": a valid label must be an empty string/);
  });
  test('errors are reported for every container', () => {
    assert.deepEqual(createPod({ containers: [{ name: 'a' }, { name: 'b' }] }), ['spec.containers[0].image: Required value', 'spec.containers[1].image: Required value']);
  });
});

describe('Pod update', () => {
  const base = () => pod({ containers: [c({ command: ['sleep', '1'] })] });
  test('changing only the image is accepted', () => {
    const now = base();
    now.spec.containers[0].image = 'nginx:1.28';
    assert.deepEqual(update('core/Pod', now, base()), []);
  });
  test('changing the command is forbidden', () => {
    const now = base();
    now.spec.containers[0].command = ['sleep', '2'];
    const errors = update('core/Pod', now, base());
    assert.equal(errors.length, 1);
    assert.ok(
      errors[0]!.startsWith('spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)'),
      errors[0],
    );
  });
  test('adding a container is forbidden', () => {
    const now = base();
    now.spec.containers.push({ name: 'b', image: 'busybox:1' });
    assert.match(update('core/Pod', now, base())[0]!, /^spec: Forbidden: pod updates may not change fields other than/);
  });
  test('adding a toleration is accepted, removing one is not', () => {
    const now = base();
    now.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }];
    assert.deepEqual(update('core/Pod', now, base()), []);
    const old = base();
    old.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }];
    const removed = base();
    strategy('core/Pod').defaults!(old);
    strategy('core/Pod').defaults!(removed);
    removed.spec.tolerations = removed.spec.tolerations.filter((t: Any) => t.key !== 'k');
    assert.match(strategy('core/Pod').validateUpdate!(removed, old).map(formatFieldError)[0]!, /^spec: Forbidden: pod updates may not change fields other than/);
  });
  test('activeDeadlineSeconds may be set and lowered, not raised', () => {
    const withDeadline = (n?: number) => {
      const p = base();
      if (n !== undefined) p.spec.activeDeadlineSeconds = n;
      return p;
    };
    assert.deepEqual(update('core/Pod', withDeadline(100), withDeadline()), []);
    assert.deepEqual(update('core/Pod', withDeadline(50), withDeadline(100)), []);
    assert.deepEqual(update('core/Pod', withDeadline(200), withDeadline(100)), ['spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value']);
  });
  test('an invalid new spec reports spec errors first', () => {
    const now = base();
    now.spec.containers[0].image = '';
    assert.deepEqual(update('core/Pod', now, base()), ['spec.containers[0].image: Required value']);
  });
});

describe('Pod update: activeDeadlineSeconds removal', () => {
  test('removing a deadline is rejected as kube words it', () => {
    const old = pod({ containers: [c()], activeDeadlineSeconds: 100 });
    const now = pod({ containers: [c()] });
    assert.deepEqual(update('core/Pod', now, old), ['spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value']);
  });
});

const service = (spec: Any, name = 'web'): KubeObject & Any => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', uid: 'u-1' }, spec });

describe('Service', () => {
  test('defaults: type, sessionAffinity, protocol, targetPort', () => {
    const s = service({ selector: { app: 'web' }, ports: [{ port: 80 }] });
    assert.deepEqual(create('core/Service', s), []);
    assert.equal(s.spec.type, 'ClusterIP');
    assert.equal(s.spec.sessionAffinity, 'None');
    assert.deepEqual(s.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
    assert.equal(s.spec.internalTrafficPolicy, 'Cluster');
    assert.deepEqual(s.spec.ipFamilies, ['IPv4']);
    assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
    assert.equal(s.spec.externalTrafficPolicy, undefined);
  });
  test('named targetPort is kept', () => {
    const s = service({ ports: [{ port: 80, targetPort: 'http' }] });
    assert.deepEqual(create('core/Service', s), []);
    assert.equal(s.spec.ports[0].targetPort, 'http');
  });
  test('NodePort gets externalTrafficPolicy Cluster', () => {
    const s = service({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] });
    assert.deepEqual(create('core/Service', s), []);
    assert.equal(s.spec.externalTrafficPolicy, 'Cluster');
  });
  test('two unnamed ports', () => {
    assert.deepEqual(create('core/Service', service({ ports: [{ port: 80 }, { port: 443 }] })), ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value']);
  });
  test('duplicate port names', () => {
    assert.deepEqual(create('core/Service', service({ ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }] })), ['spec.ports[1].name: Duplicate value: "http"']);
  });
  test('port name must be a DNS label', () => {
    assert.deepEqual(create('core/Service', service({ ports: [{ name: 'Http', port: 80 }] })), [`spec.ports[0].name: Invalid value: "Http": ${rfc1123Label}`]);
  });
  test('port out of range or missing', () => {
    assert.deepEqual(create('core/Service', service({ ports: [{ port: 70000, targetPort: 80 }] })), ['spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive']);
  });
  test('no ports', () => {
    assert.deepEqual(create('core/Service', service({ selector: { app: 'x' } })), ['spec.ports: Required value']);
  });
  test('headless service without ports is fine', () => {
    assert.deepEqual(create('core/Service', service({ clusterIP: 'None', selector: { app: 'x' } })), []);
  });
  test('ExternalName without externalName', () => {
    assert.deepEqual(create('core/Service', service({ type: 'ExternalName' })), ['spec.externalName: Required value']);
    assert.deepEqual(create('core/Service', service({ type: 'ExternalName', externalName: 'db.example.com' })), []);
  });
  test('unknown type', () => {
    assert.deepEqual(create('core/Service', service({ type: 'Magic', ports: [{ port: 80 }] })), ['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']);
  });
  test('unknown sessionAffinity', () => {
    assert.deepEqual(create('core/Service', service({ sessionAffinity: 'Sticky', ports: [{ port: 80 }] })), ['spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"']);
  });
  test('unknown protocol', () => {
    assert.deepEqual(create('core/Service', service({ ports: [{ port: 80, protocol: 'HTTP' }] })), ['spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']);
  });
  test('nodePort on a ClusterIP service', () => {
    assert.deepEqual(create('core/Service', service({ ports: [{ port: 80, nodePort: 30080 }] })), ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]);
  });
  test('bad clusterIP', () => {
    assert.deepEqual(create('core/Service', service({ clusterIP: '10.0.0.300', ports: [{ port: 80 }] })), ['spec.clusterIPs[0]: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
  });
  test('changing clusterIP on update', () => {
    const old = service({ clusterIP: '10.43.0.10', ports: [{ port: 80 }] });
    const now = service({ clusterIP: '10.43.0.11', ports: [{ port: 80 }] });
    assert.deepEqual(update('core/Service', now, old), ['spec.clusterIPs[0]: Invalid value: "10.43.0.11": may not change once set']);
  });
  test('an omitted clusterIP keeps the allocated one on update', () => {
    const old = service({ clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'], ports: [{ port: 80 }] });
    const now = service({ ports: [{ port: 80 }] });
    strategy('core/Service').prepareForUpdate!(now, old);
    assert.equal(now.spec.clusterIP, '10.43.0.10');
    assert.deepEqual(update('core/Service', now, old), []);
  });
  test('Service names are DNS-1035 labels', () => {
    const definition = { group: '', kind: 'Service' } as Any;
    const errors = validateObjectMeta(service({ ports: [{ port: 80 }] }, '1web'), true, definition).map(formatFieldError);
    assert.deepEqual(errors, [
      `metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
    ]);
  });
});

const secret = (fields: Any): KubeObject & Any => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default', uid: 'u-1' }, ...fields });
const configMap = (fields: Any): KubeObject & Any => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default', uid: 'u-1' }, ...fields });
const configKeyDetail = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

describe('Secret', () => {
  test('stringData is merged into data, base64-encoded, and dropped', () => {
    const s = secret({ data: { a: Buffer.from('old').toString('base64'), b: Buffer.from('keep').toString('base64') }, stringData: { a: 'new', c: 'héllo' } });
    assert.deepEqual(create('core/Secret', s), []);
    assert.equal(s.type, 'Opaque');
    assert.equal(s.stringData, undefined);
    assert.deepEqual(s.data, { a: 'bmV3', b: Buffer.from('keep').toString('base64'), c: Buffer.from('héllo', 'utf8').toString('base64') });
  });
  test('stringData alone creates data', () => {
    const s = secret({ stringData: { password: 's3cr3t' } });
    strategy('core/Secret').defaults!(s);
    assert.deepEqual(s.data, { password: 'czNjcjN0' });
  });
  test('bad key', () => {
    assert.deepEqual(create('core/Secret', secret({ data: { 'a b': 'eA==' } })), [`data[a b]: Invalid value: "a b": ${configKeyDetail}`]);
  });
  test('TLS secret needs tls.crt and tls.key', () => {
    assert.deepEqual(create('core/Secret', secret({ type: 'kubernetes.io/tls', data: {} })), ['data[tls.crt]: Required value', 'data[tls.key]: Required value']);
  });
  test('dockerconfigjson secret needs .dockerconfigjson', () => {
    assert.deepEqual(create('core/Secret', secret({ type: 'kubernetes.io/dockerconfigjson', data: {} })), ['data[.dockerconfigjson]: Required value']);
  });
  test('service account token secret needs the annotation', () => {
    assert.deepEqual(create('core/Secret', secret({ type: 'kubernetes.io/service-account-token' })), ['metadata.annotations[kubernetes.io/service-account.name]: Required value']);
  });
  test('type is immutable', () => {
    const old = secret({ type: 'Opaque', data: {} });
    const now = secret({ type: 'kubernetes.io/basic-auth', data: {} });
    assert.deepEqual(update('core/Secret', now, old), ['type: Invalid value: "kubernetes.io/basic-auth": field is immutable']);
  });
  test('immutable secrets keep their data', () => {
    const old = secret({ immutable: true, data: { a: 'eA==' } });
    assert.deepEqual(update('core/Secret', secret({ immutable: true, data: { a: 'eQ==' } }), old), ['data: Forbidden: field is immutable when `immutable` is set']);
    assert.deepEqual(update('core/Secret', secret({ data: { a: 'eA==' } }), old), ['immutable: Forbidden: field is immutable when `immutable` is set']);
    assert.deepEqual(update('core/Secret', secret({ immutable: true, data: { a: 'eA==' } }), old), []);
  });
  test('too large', () => {
    const s = secret({ data: { big: 'A'.repeat(1024 * 1024 + 4) } });
    assert.deepEqual(create('core/Secret', s), ['data: Too long: may not be more than 1048576 bytes']);
  });
});

describe('ConfigMap', () => {
  test('valid', () => {
    assert.deepEqual(create('core/ConfigMap', configMap({ data: { 'app.properties': 'x=1', KEY_NAME: 'v', 'key-name': '' } })), []);
  });
  test('bad key', () => {
    assert.deepEqual(create('core/ConfigMap', configMap({ data: { 'a/b': 'x' } })), [`data[a/b]: Invalid value: "a/b": ${configKeyDetail}`]);
  });
  test('dot keys', () => {
    assert.deepEqual(create('core/ConfigMap', configMap({ data: { '..': 'x' } })), ["data[..]: Invalid value: \"..\": must not be '..'"]);
    assert.deepEqual(create('core/ConfigMap', configMap({ data: { '..a': 'x' } })), ["data[..a]: Invalid value: \"..a\": must not start with '..'"]);
  });
  test('key in both data and binaryData', () => {
    assert.deepEqual(create('core/ConfigMap', configMap({ data: { a: 'x' }, binaryData: { a: 'eA==' } })), ['binaryData[a]: Invalid value: "a": duplicate of key present in data']);
  });
  test('too large', () => {
    assert.deepEqual(create('core/ConfigMap', configMap({ data: { a: 'x'.repeat(1024 * 1024), b: 'y' } })), ['Too long: may not be more than 1048576 bytes']);
  });
  test('immutable config maps keep their data', () => {
    const old = configMap({ immutable: true, data: { a: '1' } });
    assert.deepEqual(update('core/ConfigMap', configMap({ immutable: true, data: { a: '2' } }), old), ['data: Forbidden: field is immutable when `immutable` is set']);
    assert.deepEqual(update('core/ConfigMap', configMap({ data: { a: '2' } }), configMap({ data: { a: '1' } })), []);
  });
});

describe('PersistentVolumeClaim', () => {
  const claim = (spec: Any): KubeObject & Any => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'default' }, spec });
  test('defaults volumeMode and validates', () => {
    const pvc = claim({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    assert.deepEqual(create('core/PersistentVolumeClaim', pvc), []);
    assert.equal(pvc.spec.volumeMode, 'Filesystem');
  });
  test('missing access modes and storage', () => {
    assert.deepEqual(create('core/PersistentVolumeClaim', claim({})), ['spec.accessModes: Required value: at least 1 access mode is required', 'spec.resources[storage]: Required value']);
  });
});
