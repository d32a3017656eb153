import type { FieldError, KubeObject, ResourceStrategy } from '../types.js';
import { obj, type Obj } from '../printing/values.js';
import { GoText, immutable, invalidValue, notSupported, required } from './field-errors.js';
import { canonical } from './pod.js';
import { defaultPodSpec } from './pod-defaults.js';
import { templateLabels, validatePodTemplate } from './pod-spec.js';
import { selectorImmutable, checkNonNegative, specOf } from './workloads.js';
import { selectorMatches, validateLabelSelector } from './selector.js';
import { ensure } from './sets.js';
import { cronScheduleError } from './cron.js';

const controllerUidLabel = 'batch.kubernetes.io/controller-uid';
const jobNameLabel = 'batch.kubernetes.io/job-name';
const jobRestartPolicies = ['OnFailure', 'Never'];

function defaultJobSpec(spec: Obj): void {
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  const templateSpec = obj(spec.template).spec;
  if (templateSpec && typeof templateSpec === 'object' && !Array.isArray(templateSpec)) defaultPodSpec(templateSpec as Obj);
}

/** A Job's generated selector and the template labels that match it (jobStrategy's generateSelector). */
function generateSelector(job: KubeObject, spec: Obj): void {
  if (spec.manualSelector === true || spec.selector !== undefined) return;
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  spec.selector = { matchLabels: { [controllerUidLabel]: uid } };
  const template = ensure(spec, 'template');
  const metadata = ensure(template, 'metadata');
  metadata.labels = { ...obj(metadata.labels), [controllerUidLabel]: uid, [jobNameLabel]: name, 'controller-uid': uid, 'job-name': name };
}

function validateJobSpec(spec: Obj, path: string, template: boolean): FieldError[] {
  const errors: FieldError[] = [];
  for (const field of ['parallelism', 'completions', 'backoffLimit', 'ttlSecondsAfterFinished']) errors.push(...checkNonNegative(spec[field], `${path}.${field}`));
  const deadline = spec.activeDeadlineSeconds;
  if (deadline !== undefined && deadline !== null && (typeof deadline !== 'number' || !Number.isInteger(deadline) || deadline <= 0)) {
    errors.push(invalidValue(`${path}.activeDeadlineSeconds`, deadline, 'must be greater than or equal to 1'));
  }
  if (spec.completionMode !== undefined && spec.completionMode !== 'NonIndexed' && spec.completionMode !== 'Indexed') {
    errors.push(notSupported(`${path}.completionMode`, spec.completionMode, ['NonIndexed', 'Indexed']));
  }
  if (spec.completionMode === 'Indexed' && (spec.completions === undefined || spec.completions === null)) {
    errors.push(required(`${path}.completions`, 'when completion mode is Indexed'));
  }
  if (!template) {
    if (spec.selector === undefined || spec.selector === null) errors.push(required(`${path}.selector`));
    else errors.push(...validateLabelSelector(spec.selector, `${path}.selector`));
  }
  if (spec.template === undefined || spec.template === null) {
    errors.push(required(`${path}.template`));
    return errors;
  }
  if (spec.selector && !selectorMatches(spec.selector, templateLabels(spec.template))) {
    errors.push(invalidValue(`${path}.template.metadata.labels`, templateLabels(spec.template), '`selector` does not match template `labels`'));
  }
  errors.push(...validatePodTemplate(spec.template, `${path}.template`, []));
  const policy = obj(obj(spec.template).spec).restartPolicy;
  if (policy !== 'OnFailure' && policy !== 'Never') errors.push(notSupported(`${path}.template.spec.restartPolicy`, policy ?? '', jobRestartPolicies));
  return errors;
}

function validateJob(job: KubeObject): FieldError[] {
  const spec = specOf(job);
  return spec ? validateJobSpec(spec, 'spec', false) : [required('spec')];
}

export const jobValidation: Partial<ResourceStrategy> = {
  defaults(job) {
    const spec = specOf(job);
    if (!spec) return;
    generateSelector(job, spec);
    defaultJobSpec(spec);
    const labels = templateLabels(spec.template);
    if (!job.metadata.labels || Object.keys(job.metadata.labels).length === 0) {
      // batch/v1 defaulting copies the template's labels to a Job without labels.
      const own = Object.fromEntries(Object.entries(labels).filter(([k]) => ![controllerUidLabel, jobNameLabel, 'controller-uid', 'job-name'].includes(k)));
      if (Object.keys(own).length) job.metadata.labels = own;
    }
  },
  validateCreate: validateJob,
  validateUpdate(job, old) {
    const errors = validateJob(job);
    const spec = specOf(job);
    if (!spec) return errors;
    const oldSpec = obj(old.spec);
    errors.push(...selectorImmutable(spec, oldSpec));
    const suspended = oldSpec.suspend === true && spec.suspend === true;
    if (!suspended && canonical(spec.template) !== canonical(oldSpec.template)) errors.push(immutable('spec.template', new GoText('core.PodTemplateSpec{...}')));
    for (const field of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex']) {
      if (canonical(spec[field] ?? null) !== canonical(oldSpec[field] ?? null)) errors.push(immutable(`spec.${field}`, spec[field] ?? null));
    }
    const elastic = spec.completionMode === 'Indexed' && spec.completions === spec.parallelism && oldSpec.completions === oldSpec.parallelism;
    if (!elastic && spec.completions !== oldSpec.completions) errors.push(immutable('spec.completions', spec.completions ?? null));
    return errors;
  },
};

function validateCronJob(cronJob: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const name = cronJob.metadata.name ?? '';
  if (name.length > 52) errors.push(invalidValue('metadata.name', name, 'must be no more than 52 characters'));
  const spec = specOf(cronJob);
  if (!spec) return [...errors, required('spec')];
  if (spec.schedule === undefined || spec.schedule === '') errors.push(required('spec.schedule'));
  else {
    const problem = typeof spec.schedule === 'string' ? cronScheduleError(spec.schedule) : 'must be a string';
    if (problem) errors.push(invalidValue('spec.schedule', spec.schedule, problem));
  }
  if (spec.timeZone !== undefined && spec.timeZone !== null) {
    let valid = typeof spec.timeZone === 'string' && spec.timeZone !== '' && !spec.timeZone.includes(' ');
    if (valid) {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: spec.timeZone as string });
      } catch {
        valid = false;
      }
    }
    if (!valid) errors.push(invalidValue('spec.timeZone', spec.timeZone, `unknown time zone ${String(spec.timeZone)}`));
  }
  if (spec.concurrencyPolicy !== undefined && !['Allow', 'Forbid', 'Replace'].includes(spec.concurrencyPolicy as string)) {
    errors.push(notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']));
  }
  for (const field of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) errors.push(...checkNonNegative(spec[field], `spec.${field}`));
  const jobTemplate = obj(spec.jobTemplate);
  if (!spec.jobTemplate) errors.push(required('spec.jobTemplate'));
  else errors.push(...validateJobSpec(obj(jobTemplate.spec), 'spec.jobTemplate.spec', true));
  return errors;
}

export const cronJobValidation: Partial<ResourceStrategy> = {
  defaults(cronJob) {
    const spec = specOf(cronJob);
    if (!spec) return;
    spec.concurrencyPolicy ??= 'Allow';
    spec.suspend ??= false;
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
    const templateSpec = obj(obj(obj(spec.jobTemplate).spec).template).spec;
    if (templateSpec && typeof templateSpec === 'object' && !Array.isArray(templateSpec)) defaultPodSpec(templateSpec as Obj);
  },
  validateCreate: validateCronJob,
  validateUpdate: validateCronJob,
};
