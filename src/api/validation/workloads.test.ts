import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../types.js';
import { kindStrategies, formatFieldError } from './index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

function strategy(key: string) {
  const s = kindStrategies[key];
  assert.ok(s, `no strategy for ${key}`);
  return s;
}

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

const object = (apiVersion: string, kind: string, spec: Any, name = 'x'): KubeObject & Any => ({ apiVersion, kind, metadata: { name, namespace: 'default', uid: 'u-1' }, spec });

const template = (labels: Record<string, string> = { app: 'a' }, spec: Any = {}) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'c', image: 'nginx:1.27' }], ...spec },
});

const deployment = (spec: Any = {}) => object('apps/v1', 'Deployment', { selector: { matchLabels: { app: 'a' } }, template: template(), ...spec });
const job = (spec: Any = {}, name = 'pi') => object('batch/v1', 'Job', { template: template({}, { restartPolicy: 'Never' }), ...spec }, name);
const cronJob = (spec: Any = {}, name = 'hello') =>
  object('batch/v1', 'CronJob', { schedule: '*/5 * * * *', jobTemplate: { spec: { template: template({}, { restartPolicy: 'OnFailure' }) } }, ...spec }, name);

describe('Deployment', () => {
  test('defaults', () => {
    const d = deployment();
    strategy('apps/Deployment').defaults!(d);
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    // the pod template is defaulted like a pod spec (but without pod-only admission defaults)
    const podSpec = d.spec.template.spec;
    assert.equal(podSpec.restartPolicy, 'Always');
    assert.equal(podSpec.dnsPolicy, 'ClusterFirst');
    assert.equal(podSpec.terminationGracePeriodSeconds, 30);
    assert.equal(podSpec.schedulerName, 'default-scheduler');
    assert.equal(podSpec.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(podSpec.tolerations, undefined);
  });
  test('Recreate gets no rollingUpdate', () => {
    const d = deployment({ strategy: { type: 'Recreate' } });
    strategy('apps/Deployment').defaults!(d);
    assert.deepEqual(d.spec.strategy, { type: 'Recreate' });
    assert.deepEqual(create('apps/Deployment', d), []);
  });
  test('explicit values are kept', () => {
    const d = deployment({ replicas: 0, revisionHistoryLimit: 0, strategy: { rollingUpdate: { maxSurge: 1 } } });
    strategy('apps/Deployment').defaults!(d);
    assert.equal(d.spec.replicas, 0);
    assert.equal(d.spec.revisionHistoryLimit, 0);
    assert.deepEqual(d.spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: '25%' });
  });
  test('a valid deployment', () => {
    assert.deepEqual(create('apps/Deployment', deployment()), []);
  });
  test('selector not matching template labels', () => {
    assert.deepEqual(create('apps/Deployment', deployment({ template: template({ app: 'b' }) })), [
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`',
    ]);
  });
  test('missing selector also fails the template match (labels.Nothing)', () => {
    assert.deepEqual(create('apps/Deployment', deployment({ selector: undefined })), [
      'spec.selector: Required value',
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"a"}: `selector` does not match template `labels`',
    ]);
  });
  test('empty selector', () => {
    assert.deepEqual(create('apps/Deployment', deployment({ selector: {} })), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    ]);
  });
  test('matchExpressions selector', () => {
    assert.deepEqual(create('apps/Deployment', deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'b'] }] } })), []);
    assert.deepEqual(create('apps/Deployment', deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] } })), [
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"In", Values:[]string{}}}}: invalid label selector',
    ]);
    const unsupported = create('apps/Deployment', deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'Like' }] } }));
    assert.equal(unsupported[0], 'spec.selector.matchExpressions[0].operator: Unsupported value: "Like": supported values: "In", "NotIn", "Exists", "DoesNotExist"');
    assert.match(unsupported[1]!, /^spec\.selector: Invalid value: v1\.LabelSelector\{.*\}: invalid label selector$/);
    assert.equal(unsupported.length, 2);
  });
  test('template restartPolicy must be Always', () => {
    assert.deepEqual(create('apps/Deployment', deployment({ template: template({ app: 'a' }, { restartPolicy: 'Never' }) })), [
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ]);
  });
  test('template activeDeadlineSeconds is not supported', () => {
    assert.deepEqual(create('apps/Deployment', deployment({ template: template({ app: 'a' }, { activeDeadlineSeconds: 10 }) })), [
      'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported',
    ]);
  });
  test('template container errors carry the template path', () => {
    assert.deepEqual(create('apps/Deployment', deployment({ template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c' }] } } })), [
      'spec.template.spec.containers[0].image: Required value',
    ]);
  });
  test('bad template label is reported at spec.template.labels', () => {
    const errors = create('apps/Deployment', deployment({ selector: { matchLabels: { app: 'a' } }, template: template({ app: 'a', tier: 'front end' }) }));
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /^spec\.template\.labels: Invalid value: "front end": a valid label must be an empty string/);
  });
  test('negative replicas', () => {
    assert.deepEqual(create('apps/Deployment', deployment({ replicas: -1 })), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']);
  });
  test('unknown strategy type', () => {
    assert.deepEqual(create('apps/Deployment', deployment({ strategy: { type: 'BlueGreen' } })), [
      'spec.strategy.type: Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"',
    ]);
  });
  test('Recreate with rollingUpdate', () => {
    assert.deepEqual(create('apps/Deployment', deployment({ strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } })), [
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ]);
  });
  test('maxSurge and maxUnavailable both 0', () => {
    assert.deepEqual(create('apps/Deployment', deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } })), [
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0',
    ]);
  });
  test('maxUnavailable over 100%', () => {
    assert.deepEqual(create('apps/Deployment', deployment({ strategy: { rollingUpdate: { maxUnavailable: '120%' } } })), [
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "120%": must not be greater than 100%',
    ]);
  });
  test('maxSurge not a percent', () => {
    assert.deepEqual(create('apps/Deployment', deployment({ strategy: { rollingUpdate: { maxSurge: 'lots' } } })), [
      "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"lots\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    ]);
  });
  test('progressDeadlineSeconds must exceed minReadySeconds', () => {
    assert.deepEqual(create('apps/Deployment', deployment({ minReadySeconds: 600 })), ['spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds']);
  });
  test('update changing the selector', () => {
    const now = deployment({ selector: { matchLabels: { app: 'b' } }, template: template({ app: 'b' }) });
    const errors = update('apps/Deployment', now, deployment());
    assert.deepEqual(errors, [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
  });
  test('update scaling and changing the image', () => {
    const now = deployment({ replicas: 5 });
    now.spec.template.spec.containers[0].image = 'nginx:1.28';
    assert.deepEqual(update('apps/Deployment', now, deployment()), []);
  });
});

describe('ReplicaSet, StatefulSet, DaemonSet', () => {
  test('ReplicaSet empty selector says deployment, as kube does', () => {
    const rs = object('apps/v1', 'ReplicaSet', { selector: {}, template: template() });
    assert.match(create('apps/ReplicaSet', rs)[0]!, /: empty selector is invalid for deployment$/);
  });
  test('StatefulSet empty selector', () => {
    const sts = object('apps/v1', 'StatefulSet', { selector: {}, serviceName: 'x', template: template() });
    assert.match(create('apps/StatefulSet', sts)[0]!, /^spec\.selector: Invalid value: .*: empty selector is invalid for statefulset$/);
  });
  test('DaemonSet empty selector', () => {
    const ds = object('apps/v1', 'DaemonSet', { selector: {}, template: template() });
    assert.match(create('apps/DaemonSet', ds)[0]!, /^spec\.selector: Invalid value: .*: empty selector is invalid for daemonset$/);
  });
  test('StatefulSet and DaemonSet activeDeadlineSeconds name their kind', () => {
    const sts = object('apps/v1', 'StatefulSet', { selector: { matchLabels: { app: 'a' } }, serviceName: 'x', template: template({ app: 'a' }, { activeDeadlineSeconds: 5 }) });
    assert.deepEqual(create('apps/StatefulSet', sts), ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported']);
    const ds = object('apps/v1', 'DaemonSet', { selector: { matchLabels: { app: 'a' } }, template: template({ app: 'a' }, { activeDeadlineSeconds: 5 }) });
    assert.deepEqual(create('apps/DaemonSet', ds), ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported']);
  });
  test('StatefulSet defaults', () => {
    const sts = object('apps/v1', 'StatefulSet', { selector: { matchLabels: { app: 'a' } }, serviceName: 'x', template: template() });
    assert.deepEqual(create('apps/StatefulSet', sts), []);
    assert.equal(sts.spec.replicas, 1);
    assert.equal(sts.spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(sts.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  });
  test('StatefulSet update of serviceName is forbidden', () => {
    const old = object('apps/v1', 'StatefulSet', { selector: { matchLabels: { app: 'a' } }, serviceName: 'x', template: template() });
    const now = object('apps/v1', 'StatefulSet', { selector: { matchLabels: { app: 'a' } }, serviceName: 'y', template: template(), replicas: 3 });
    const errors = update('apps/StatefulSet', now, old);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /^spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', /);
  });
  test('StatefulSet pods may mount the claims of its volumeClaimTemplates, and nothing else unknown', () => {
    const spec = { containers: [{ name: 'app', image: 'nginx:1.27', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] };
    const sts = object('apps/v1', 'StatefulSet', {
      selector: { matchLabels: { app: 'a' } }, serviceName: 'web', template: template({ app: 'a' }, spec),
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    });
    assert.deepEqual(create('apps/StatefulSet', sts), []);
    const without = object('apps/v1', 'StatefulSet', { selector: { matchLabels: { app: 'a' } }, serviceName: 'web', template: template({ app: 'a' }, spec) });
    assert.deepEqual(create('apps/StatefulSet', without), ['spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"']);
  });
  test('DaemonSet defaults', () => {
    const ds = object('apps/v1', 'DaemonSet', { selector: { matchLabels: { app: 'a' } }, template: template() });
    assert.deepEqual(create('apps/DaemonSet', ds), []);
    assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(ds.spec.revisionHistoryLimit, 10);
  });
});

describe('Job', () => {
  test('defaults: generated selector, template labels, counts', () => {
    const j = job();
    assert.deepEqual(create('batch/Job', j), []);
    assert.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
    assert.deepEqual(j.spec.template.metadata.labels, {
      'batch.kubernetes.io/controller-uid': 'u-1',
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': 'u-1',
      'job-name': 'pi',
    });
    assert.equal(j.spec.backoffLimit, 6);
    assert.equal(j.spec.completions, 1);
    assert.equal(j.spec.parallelism, 1);
    assert.equal(j.spec.completionMode, 'NonIndexed');
    assert.equal(j.spec.suspend, false);
    assert.equal(j.spec.podReplacementPolicy, 'TerminatingOrFailed');
    assert.equal(j.spec.template.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(j.spec.template.spec.terminationGracePeriodSeconds, 30);
  });
  test('parallelism alone leaves completions unset', () => {
    const j = job({ parallelism: 3 });
    strategy('batch/Job').defaults!(j);
    assert.equal(j.spec.parallelism, 3);
    assert.equal(j.spec.completions, undefined);
  });
  test('completions alone defaults parallelism to 1', () => {
    const j = job({ completions: 5 });
    strategy('batch/Job').defaults!(j);
    assert.equal(j.spec.completions, 5);
    assert.equal(j.spec.parallelism, 1);
  });
  test('backoffLimitPerIndex makes backoffLimit MaxInt32', () => {
    const j = job({ completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: 1 });
    strategy('batch/Job').defaults!(j);
    assert.equal(j.spec.backoffLimit, 2147483647);
  });
  test('template labels are copied to a Job without labels', () => {
    const j = job({ template: template({ app: 'batch' }, { restartPolicy: 'Never' }) });
    strategy('batch/Job').defaults!(j);
    assert.deepEqual(j.metadata.labels, { app: 'batch' });
    assert.equal(j.spec.template.metadata.labels.app, 'batch');
  });
  test('restartPolicy Always (the pod default) is rejected', () => {
    assert.deepEqual(create('batch/Job', job({ template: template({}) })), [
      'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    ]);
  });
  test('negative backoffLimit and parallelism', () => {
    assert.deepEqual(create('batch/Job', job({ backoffLimit: -1, parallelism: -2 })), [
      'spec.parallelism: Invalid value: -2: must be greater than or equal to 0',
      'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });
  test('Indexed without completions', () => {
    assert.deepEqual(create('batch/Job', job({ completionMode: 'Indexed', parallelism: 2 })), ['spec.completions: Required value: when completion mode is Indexed']);
  });
  test('unknown completionMode', () => {
    assert.deepEqual(create('batch/Job', job({ completionMode: 'Sometimes' })), ['spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"']);
  });
  test('manual selector not matching the template', () => {
    const j = job({ manualSelector: true, selector: { matchLabels: { app: 'x' } }, template: template({ app: 'y' }, { restartPolicy: 'Never' }) });
    assert.deepEqual(create('batch/Job', j), ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"y"}: `selector` does not match template `labels`']);
  });
  test('updating the template of a running job is forbidden', () => {
    const old = job();
    strategy('batch/Job').defaults!(old);
    const now = structuredClone(old);
    now.spec.template.spec.containers[0].image = 'perl:5';
    const errors = strategy('batch/Job').validateUpdate!(now, old).map(formatFieldError);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /^spec\.template: Invalid value: .*: field is immutable$/);
  });
  test('changing the template of a suspended job is allowed', () => {
    const old = job({ suspend: true });
    strategy('batch/Job').defaults!(old);
    const now = structuredClone(old);
    now.spec.template.spec.containers[0].image = 'perl:5';
    assert.deepEqual(strategy('batch/Job').validateUpdate!(now, old), []);
  });
  test('changing completions is forbidden, changing parallelism is not', () => {
    const old = job({ completions: 2 });
    strategy('batch/Job').defaults!(old);
    const scaled = structuredClone(old);
    scaled.spec.parallelism = 2;
    assert.deepEqual(strategy('batch/Job').validateUpdate!(scaled, old), []);
    const more = structuredClone(old);
    more.spec.completions = 3;
    assert.deepEqual(strategy('batch/Job').validateUpdate!(more, old).map(formatFieldError), ['spec.completions: Invalid value: 3: field is immutable']);
  });
  test('changing the selector is forbidden', () => {
    const old = job();
    strategy('batch/Job').defaults!(old);
    const now = structuredClone(old);
    now.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': 'other' } };
    const errors = strategy('batch/Job').validateUpdate!(now, old).map(formatFieldError);
    assert.ok(errors.some((e) => e.startsWith('spec.selector: Invalid value: v1.LabelSelector{') && e.endsWith(': field is immutable')), errors.join('\n'));
  });
});

describe('CronJob', () => {
  test('defaults', () => {
    const cj = cronJob();
    assert.deepEqual(create('batch/CronJob', cj), []);
    assert.equal(cj.spec.concurrencyPolicy, 'Allow');
    assert.equal(cj.spec.suspend, false);
    assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
    assert.equal(cj.spec.failedJobsHistoryLimit, 1);
    assert.equal(cj.spec.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(cj.spec.jobTemplate.spec.template.spec.containers[0].terminationMessagePath, '/dev/termination-log');
  });
  for (const schedule of ['@hourly', '@every 5m', '0 0 * * SUN', '0 9-17 * JAN-MAR mon-fri', '*/15 * * * *', '5/10 * * * *', '0 0 1,15 * *']) {
    test(`schedule ${schedule} is valid`, () => {
      assert.deepEqual(create('batch/CronJob', cronJob({ schedule })), []);
    });
  }
  test('schedule with too few fields', () => {
    assert.deepEqual(create('batch/CronJob', cronJob({ schedule: '* * *' })), ['spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]']);
  });
  test('schedule "off"', () => {
    assert.deepEqual(create('batch/CronJob', cronJob({ schedule: 'off' })), ['spec.schedule: Invalid value: "off": expected exactly 5 fields, found 1: [off]']);
  });
  test('schedule with six fields', () => {
    assert.deepEqual(create('batch/CronJob', cronJob({ schedule: '0 0 0 * * *' })), ['spec.schedule: Invalid value: "0 0 0 * * *": expected exactly 5 fields, found 6: [0 0 0 * * *]']);
  });
  test('minute out of range', () => {
    assert.deepEqual(create('batch/CronJob', cronJob({ schedule: '61 * * * *' })), ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']);
  });
  test('day of month 0', () => {
    assert.deepEqual(create('batch/CronJob', cronJob({ schedule: '0 0 0 * *' })), ['spec.schedule: Invalid value: "0 0 0 * *": beginning of range (0) below minimum (1): 0']);
  });
  test('reversed range', () => {
    assert.deepEqual(create('batch/CronJob', cronJob({ schedule: '0 5-2 * * *' })), ['spec.schedule: Invalid value: "0 5-2 * * *": beginning of range (5) beyond end of range (2): 5-2']);
  });
  test('a word where a number belongs', () => {
    assert.deepEqual(create('batch/CronJob', cronJob({ schedule: 'abc * * * *' })), [
      'spec.schedule: Invalid value: "abc * * * *": failed to parse int from abc: strconv.Atoi: parsing "abc": invalid syntax',
    ]);
  });
  test('step 0', () => {
    assert.deepEqual(create('batch/CronJob', cronJob({ schedule: '*/0 * * * *' })), ['spec.schedule: Invalid value: "*/0 * * * *": step of range should be a positive number: */0']);
  });
  test('unknown descriptor', () => {
    assert.deepEqual(create('batch/CronJob', cronJob({ schedule: '@fortnightly' })), ['spec.schedule: Invalid value: "@fortnightly": unrecognized descriptor: @fortnightly']);
  });
  test('TZ in schedule', () => {
    assert.deepEqual(create('batch/CronJob', cronJob({ schedule: 'TZ=UTC 0 0 * * *' })), [
      'spec.schedule: Invalid value: "TZ=UTC 0 0 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ]);
  });
  test('missing schedule', () => {
    assert.deepEqual(create('batch/CronJob', cronJob({ schedule: undefined })), ['spec.schedule: Required value']);
  });
  test('timeZone', () => {
    assert.deepEqual(create('batch/CronJob', cronJob({ timeZone: 'Europe/Berlin' })), []);
    assert.deepEqual(create('batch/CronJob', cronJob({ timeZone: 'Mars/Olympus' })), ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
  });
  test('concurrencyPolicy', () => {
    assert.deepEqual(create('batch/CronJob', cronJob({ concurrencyPolicy: 'Sometimes' })), [
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    ]);
  });
  test('job template restartPolicy Always', () => {
    const cj = cronJob({ jobTemplate: { spec: { template: template({}, { restartPolicy: 'Always' }) } } });
    assert.deepEqual(create('batch/CronJob', cj), ['spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
  });
  test('name longer than 52 characters', () => {
    const name = 'c'.repeat(53);
    assert.deepEqual(create('batch/CronJob', cronJob({}, name)), [`metadata.name: Invalid value: "${name}": must be no more than 52 characters`]);
  });
  test('negative history limit', () => {
    assert.deepEqual(create('batch/CronJob', cronJob({ successfulJobsHistoryLimit: -1 })), ['spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0']);
  });
});
