import type { FieldError } from '../types.js';

/** Kubernetes' field.ErrorType strings, as printed in messages. */
const typeText: Record<FieldError['type'], string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueNotFound: 'Not found',
  InternalError: 'Internal error',
};

/** A value already spelled as Go prints it (e.g. a struct literal), printed as is. */
export class GoText {
  constructor(readonly text: string) {}
}

/** A value as Go's fmt prints it in field errors: %q for strings, %v for numbers, %#v otherwise. */
export function goValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof GoText) return value.text;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return `[]string{${value.map((v) => JSON.stringify(v)).join(', ')}}`;
    return `[]interface {}{${value.map(goValue).join(', ')}}`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.every(([, v]) => typeof v === 'string')) {
      return `map[string]string{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(', ')}}`;
    }
    return JSON.stringify(value);
  }
  return String(value);
}

/** The message body of a field error, without the field (field.Error.ErrorBody). */
export function causeMessage(error: FieldError): string {
  let text = typeText[error.type] ?? error.type;
  const printsValue = !['FieldValueRequired', 'FieldValueForbidden', 'FieldValueTooLong', 'InternalError'].includes(error.type) && 'value' in error;
  if (printsValue) text += `: ${goValue(error.value)}`;
  if (error.type === 'FieldValueNotSupported' && error.supported?.length) {
    text += `: supported values: ${error.supported.map((s) => JSON.stringify(s)).join(', ')}`;
  } else if (error.detail) {
    text += `: ${error.detail}`;
  }
  return text;
}

/** `spec.containers[0].image: Required value`, as field.Error.Error() prints it. */
export function formatFieldError(error: FieldError): string {
  return error.field ? `${error.field}: ${causeMessage(error)}` : causeMessage(error);
}

export const required = (field: string, detail?: string): FieldError => ({ type: 'FieldValueRequired', field, ...(detail ? { detail } : {}) });
export const invalidValue = (field: string, value: unknown, detail?: string): FieldError => ({ type: 'FieldValueInvalid', field, value, ...(detail ? { detail } : {}) });
export const duplicate = (field: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field, value });
export const notSupported = (field: string, value: unknown, supported: string[]): FieldError => ({ type: 'FieldValueNotSupported', field, value, supported });
export const forbidden = (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, detail });
export const notFound = (field: string, value: unknown): FieldError => ({ type: 'FieldValueNotFound', field, value });
export const tooLong = (field: string, max: number): FieldError => ({ type: 'FieldValueTooLong', field, detail: `may not be more than ${max} bytes` });
export const immutable = (field: string, value: unknown): FieldError => invalidValue(field, value, 'field is immutable');
