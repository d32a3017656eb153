import { badRequest } from '../errors.js';
import type { DeleteOptions, FieldValidation, WriteOptions } from '../registry/options.js';

/** Reads an integer query parameter; a non-integer is a 400. */
export function integerParam(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null || text === '') return undefined;
  if (!/^-?\d+$/.test(text)) throw badRequest(`invalid value for ${name}: ${JSON.stringify(text.slice(0, 100))}: must be an integer`);
  return Number(text);
}

export function booleanParam(query: URLSearchParams, name: string): boolean {
  const text = query.get(name);
  return text === 'true' || text === '1';
}

/** dryRun, fieldManager and fieldValidation as create/update/patch take them. */
export function writeOptions(query: URLSearchParams): WriteOptions {
  const options: WriteOptions = {};
  const dryRun = query.getAll('dryRun');
  for (const value of dryRun) {
    if (value !== 'All') throw badRequest(`Invalid dryRun value: ${JSON.stringify(value.slice(0, 100))}: supported values: "All"`);
    options.dryRun = true;
  }
  const manager = query.get('fieldManager');
  if (manager !== null) {
    if (manager.length > 128) throw badRequest('fieldManager: Too long: may not be more than 128 bytes');
    options.fieldManager = manager;
  }
  const validation = query.get('fieldValidation');
  if (validation !== null && validation !== '') {
    if (!['Strict', 'Warn', 'Ignore'].includes(validation)) {
      throw badRequest(`fieldValidation: Unsupported value: ${JSON.stringify(validation.slice(0, 100))}: supported values: "Ignore", "Strict", "Warn"`);
    }
    options.fieldValidation = validation as FieldValidation;
  }
  return options;
}

/** Delete options from the query and an optional DeleteOptions body (kubectl sends a body). */
export function deleteOptions(query: URLSearchParams, body: unknown): DeleteOptions {
  const options: DeleteOptions = {};
  const fromBody = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const grace = integerParam(query, 'gracePeriodSeconds') ?? fromBody.gracePeriodSeconds;
  if (grace !== undefined && grace !== null) {
    if (typeof grace !== 'number' || !Number.isInteger(grace)) throw badRequest('gracePeriodSeconds must be an integer');
    options.gracePeriodSeconds = Math.max(0, grace);
  }
  const policy = query.get('propagationPolicy') ?? fromBody.propagationPolicy;
  if (policy !== undefined && policy !== null) {
    if (policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
      throw badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(String(policy).slice(0, 100))}: supported values: "Foreground", "Background", "Orphan"`);
    }
    options.propagationPolicy = policy;
  }
  if (fromBody.orphanDependents === true && !options.propagationPolicy) options.propagationPolicy = 'Orphan';
  if (query.get('orphanDependents') === 'true' && !options.propagationPolicy) options.propagationPolicy = 'Orphan';
  const preconditions = fromBody.preconditions;
  if (preconditions && typeof preconditions === 'object') {
    const p = preconditions as Record<string, unknown>;
    options.preconditions = {
      uid: typeof p.uid === 'string' ? p.uid : undefined,
      resourceVersion: typeof p.resourceVersion === 'string' ? p.resourceVersion : undefined,
    };
  }
  const dryRun = query.getAll('dryRun');
  const bodyDryRun = Array.isArray(fromBody.dryRun) ? fromBody.dryRun : [];
  if ([...dryRun, ...bodyDryRun].length) options.dryRun = true;
  return options;
}
