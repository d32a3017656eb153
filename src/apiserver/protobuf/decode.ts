import { readFileSync } from 'node:fs';
import { WireError, WireReader, type WireField } from './wire.js';

/** [jsonName, 'optional' | 'repeated', type] or [jsonName, 'map', keyType, valueType]. */
type FieldSpec = [string, 'optional' | 'repeated', string] | [string, 'map', string, string];
type Messages = Record<string, Record<string, FieldSpec>>;

let catalogue: Messages | undefined;
function messages(): Messages {
  // Loaded on first protobuf request: most clients send JSON. The table lives in src/ (dist/ has no copy).
  catalogue ??= (JSON.parse(readFileSync(new URL('../../../../src/apiserver/protobuf/messages.json', import.meta.url), 'utf8')) as { messages: Messages }).messages;
  return catalogue;
}

export class ProtobufError extends Error {}

const magic = [0x6b, 0x38, 0x73, 0x00];
const meta = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/**
 * Go fields that are pointers, where an explicit zero or false differs from absent. The wire
 * format cannot say: go-to-protobuf writes non-pointer fields even when zero, pointers only when set.
 */
const meaningfulZero = new Set([
  'replicas', 'parallelism', 'completions', 'backoffLimit', 'backoffLimitPerIndex', 'maxFailedIndexes', 'terminationGracePeriodSeconds',
  'activeDeadlineSeconds', 'revisionHistoryLimit', 'progressDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit',
  'startingDeadlineSeconds', 'ttlSecondsAfterFinished', 'partition', 'priority', 'tolerationSeconds', 'defaultMode', 'mode', 'runAsUser',
  'runAsGroup', 'fsGroup', 'expirationSeconds', 'gracePeriodSeconds', 'deletionGracePeriodSeconds',
  'automountServiceAccountToken', 'enableServiceLinks', 'shareProcessNamespace', 'hostUsers', 'setHostnameAsFQDN', 'runAsNonRoot',
  'readOnlyRootFilesystem', 'allowPrivilegeEscalation', 'privileged', 'suspend', 'immutable', 'manualSelector', 'optional',
  'allowVolumeExpansion', 'ready', 'serving', 'terminating', 'controller', 'blockOwnerDeletion', 'orphanDependents', 'unschedulable',
  'storageClassName', 'force', 'maxUnavailable', 'maxSurge', 'minAvailable',
]);

function isZero(value: unknown): boolean {
  return value === '' || value === 0 || value === false || value === null;
}

function signed(value: bigint, bits: 32 | 64): number {
  return Number(BigInt.asIntN(bits, value));
}

function scalar(type: string, field: WireField): unknown {
  const v = field.value;
  switch (type) {
    case 'string': return v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : undefined;
    case 'bytes': return v instanceof Uint8Array ? Buffer.from(v).toString('base64') : undefined;
    case 'bool': return typeof v === 'bigint' ? v !== 0n : undefined;
    case 'int32': return typeof v === 'bigint' ? signed(v, 32) : undefined;
    case 'int64': return typeof v === 'bigint' ? signed(v, 64) : undefined;
    case 'uint32': case 'uint64': case 'fixed32': case 'fixed64': return typeof v === 'bigint' ? Number(v) : undefined;
    case 'double': return typeof v === 'bigint' ? new DataView(new BigUint64Array([v]).buffer).getFloat64(0, true) : undefined;
    case 'float': return typeof v === 'bigint' ? new DataView(new Uint32Array([Number(v)]).buffer).getFloat32(0, true) : undefined;
    default: throw new ProtobufError(`unsupported protobuf scalar type ${type}`);
  }
}

function rfc3339(seconds: number, nanos: number, micro: boolean): string {
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
  return micro ? `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${iso}Z`;
}

/** Go's time.Duration.String(), as metav1.Duration marshals to JSON. */
function goDuration(nanoseconds: number): string {
  if (nanoseconds === 0) return '0s';
  const sign = nanoseconds < 0 ? '-' : '';
  let rest = Math.abs(nanoseconds);
  if (rest < 1e9) return `${sign}${rest >= 1e6 ? `${rest / 1e6}ms` : rest >= 1e3 ? `${rest / 1e3}µs` : `${rest}ns`}`;
  const hours = Math.floor(rest / 3.6e12);
  rest -= hours * 3.6e12;
  const minutes = Math.floor(rest / 6e10);
  rest -= minutes * 6e10;
  const seconds = rest / 1e9;
  return `${sign}${hours ? `${hours}h` : ''}${hours || minutes ? `${minutes}m` : ''}${seconds}s`;
}

/** Messages whose JSON form is not an object. */
function special(type: string, bytes: Uint8Array): { value: unknown } | undefined {
  switch (type) {
    case `${meta}.Time`:
    case `${meta}.MicroTime`: {
      const fields = decodeMessage(`${meta}.Timestamp`, bytes, { keepZero: true }) as { seconds?: number; nanos?: number };
      // The zero time marshals to JSON as null.
      if (!fields.seconds && !fields.nanos) return { value: null };
      return { value: rfc3339(fields.seconds ?? 0, fields.nanos ?? 0, type.endsWith('MicroTime')) };
    }
    case `${meta}.Duration`:
      return { value: goDuration(Number((decodeMessage(type, bytes, { keepZero: true }) as { duration?: number }).duration ?? 0)) };
    case 'k8s.io.apimachinery.pkg.api.resource.Quantity':
    case 'k8s.io.apimachinery.pkg.api.resource.QuantityValue':
      return { value: (decodeMessage(type, bytes, { keepZero: true }) as { string?: string }).string ?? '0' };
    case 'k8s.io.apimachinery.pkg.util.intstr.IntOrString': {
      const v = decodeMessage(type, bytes, { keepZero: true }) as { type?: number; intVal?: number; strVal?: string };
      return { value: v.type === 1 ? (v.strVal ?? '') : (v.intVal ?? 0) };
    }
    case 'k8s.io.apimachinery.pkg.runtime.RawExtension':
    case `${meta}.FieldsV1`: {
      const raw = (decodeMessage(type, bytes, { keepZero: true, rawBytes: true }) as { raw?: Uint8Array; Raw?: Uint8Array });
      const data = raw.raw ?? raw.Raw;
      if (!data || data.length === 0) return { value: type.endsWith('FieldsV1') ? {} : null };
      try {
        return { value: JSON.parse(Buffer.from(data).toString('utf8')) as unknown };
      } catch {
        throw new ProtobufError(`${type} holds data that is not JSON`);
      }
    }
    default:
      return undefined;
  }
}

interface DecodeOptions {
  keepZero?: boolean;
  rawBytes?: boolean;
}

function convert(type: string, field: WireField, options: DecodeOptions): unknown {
  if (!(type in messages()) && !type.endsWith('Timestamp')) return options.rawBytes && type === 'bytes' ? field.value : scalar(type, field);
  if (!(field.value instanceof Uint8Array)) throw new ProtobufError(`field ${field.number} of type ${type} is not a message`);
  const asSpecial = special(type, field.value);
  if (asSpecial) return asSpecial.value;
  return decodeMessage(type, field.value, {});
}

/** Decodes a message of a known type into its JSON form. */
export function decodeMessage(type: string, bytes: Uint8Array, options: DecodeOptions = {}): Record<string, unknown> | unknown[] {
  if (type === `${meta}.Timestamp`) {
    const out: Record<string, unknown> = {};
    for (const f of new WireReader(bytes).fields()) {
      if (f.number === 1 && typeof f.value === 'bigint') out.seconds = signed(f.value, 64);
      if (f.number === 2 && typeof f.value === 'bigint') out.nanos = signed(f.value, 32);
    }
    return out;
  }
  const spec = messages()[type];
  if (!spec) throw new ProtobufError(`unknown protobuf message ${type}`);
  const out: Record<string, unknown> = {};
  for (const field of new WireReader(bytes).fields()) {
    const fieldSpec = spec[String(field.number)];
    if (!fieldSpec) continue;
    const [name, label] = fieldSpec;
    if (label === 'map') {
      if (!(field.value instanceof Uint8Array)) throw new ProtobufError(`map field ${name} is not length-delimited`);
      let key: unknown = '';
      let value: unknown = fieldSpec[3] === 'string' ? '' : null;
      for (const entry of new WireReader(field.value).fields()) {
        if (entry.number === 1) key = convert(fieldSpec[2], entry, {});
        if (entry.number === 2) value = convert(fieldSpec[3], entry, {});
      }
      const map = (out[name] ??= {}) as Record<string, unknown>;
      map[String(key)] = value;
      continue;
    }
    const type = fieldSpec[2];
    if (label === 'repeated') {
      const list = (out[name] ??= []) as unknown[];
      if (field.wireType === 2 && !(type in messages()) && type !== 'string' && type !== 'bytes' && field.value instanceof Uint8Array) {
        // A packed list of numbers.
        const reader = new WireReader(field.value);
        while (!reader.done) list.push(scalar(type, { number: field.number, wireType: 0, value: reader.varint() }));
      } else {
        list.push(convert(type, field, options));
      }
      continue;
    }
    const value = options.rawBytes && type === 'bytes' ? field.value : convert(type, field, options);
    if (!options.keepZero && isZero(value) && !meaningfulZero.has(name)) continue;
    out[name] = value;
  }
  // Named slices (metav1.Verbs, authentication's ExtraValue) are lists in JSON.
  const numbers = Object.keys(spec);
  if (numbers.length === 1 && spec['1']?.[0] === 'items' && spec['1'][1] === 'repeated' && !type.endsWith('List')) return (out.items as unknown[]) ?? [];
  return out;
}

/** The protobuf message name of a kind sent as apiVersion/kind. */
function messageFor(apiVersion: string, kind: string): string | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
  const version = slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion;
  const candidates = [`k8s.io.api.${group ? group.split('.')[0] : 'core'}.${version}.${kind}`, `${meta}.${kind}`];
  return candidates.find((c) => c in messages());
}

/**
 * Decodes a body sent as `application/vnd.kubernetes.protobuf`: the `k8s\0` magic and a
 * runtime.Unknown envelope naming the type, whose raw bytes are the object.
 */
export function decodeKubernetesProtobuf(body: Uint8Array): Record<string, unknown> {
  if (body.length < 4 || magic.some((b, i) => body[i] !== b)) throw new ProtobufError('protobuf body does not start with the Kubernetes magic number');
  try {
    let apiVersion = '';
    let kind = '';
    let raw: Uint8Array = new Uint8Array();
    for (const field of new WireReader(body.subarray(4)).fields()) {
      if (field.number === 1 && field.value instanceof Uint8Array) {
        for (const t of new WireReader(field.value).fields()) {
          if (t.number === 1 && t.value instanceof Uint8Array) apiVersion = Buffer.from(t.value).toString('utf8');
          if (t.number === 2 && t.value instanceof Uint8Array) kind = Buffer.from(t.value).toString('utf8');
        }
      }
      if (field.number === 2 && field.value instanceof Uint8Array) raw = field.value;
    }
    const type = messageFor(apiVersion, kind);
    if (!type) throw new ProtobufError(`no protobuf message is known for ${apiVersion || '<none>'}, Kind=${kind || '<none>'}`);
    const object = decodeMessage(type, raw);
    if (Array.isArray(object)) throw new ProtobufError(`${kind} is not an object`);
    return { apiVersion, kind, ...object };
  } catch (error: unknown) {
    if (error instanceof WireError) throw new ProtobufError(error.message);
    throw error;
  }
}
