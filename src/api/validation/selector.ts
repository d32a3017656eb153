import type { FieldError } from '../types.js';
import { obj, arr } from '../printing/values.js';
import { invalidValue, notSupported, required, forbidden } from './field-errors.js';
import { isLabelValue, isQualifiedName } from './names.js';
import { validateLabels } from './metadata.js';

/** Validates a metav1.LabelSelector (matchLabels and matchExpressions). */
export function validateLabelSelector(selector: unknown, field: string): FieldError[] {
  if (selector === undefined || selector === null) return [];
  const s = obj(selector);
  const errors = validateLabels(s.matchLabels, `${field}.matchLabels`);
  arr(s.matchExpressions).forEach((raw, i) => {
    const at = `${field}.matchExpressions[${i}]`;
    const e = obj(raw);
    const values = arr(e.values);
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errors.push(required(`${at}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errors.push(forbidden(`${at}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
        break;
      default:
        errors.push(notSupported(`${at}.operator`, e.operator ?? '', ['In', 'NotIn', 'Exists', 'DoesNotExist']));
    }
    const key = typeof e.key === 'string' ? e.key : '';
    for (const m of isQualifiedName(key)) errors.push(invalidValue(`${at}.key`, key, m));
    values.forEach((v, j) => {
      for (const m of isLabelValue(typeof v === 'string' ? v : '')) errors.push(invalidValue(`${at}.values[${j}]`, v, m));
    });
  });
  return errors;
}

/** Whether a LabelSelector matches a label set (used to check selectors against template labels). */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  const s = obj(selector);
  for (const [k, v] of Object.entries(obj(s.matchLabels))) if (labels[k] !== v) return false;
  for (const raw of arr(s.matchExpressions)) {
    const e = obj(raw);
    const key = typeof e.key === 'string' ? e.key : '';
    const values = arr(e.values);
    const has = Object.hasOwn(labels, key);
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

export function selectorIsEmpty(selector: unknown): boolean {
  const s = obj(selector);
  return Object.keys(obj(s.matchLabels)).length === 0 && arr(s.matchExpressions).length === 0;
}

/** Go's %#v of a LabelSelector, as the immutable and empty-selector errors print it. */
export function goLabelSelector(selector: unknown): string {
  const s = obj(selector);
  const labels = Object.entries(obj(s.matchLabels));
  const matchLabels = labels.length ? `map[string]string{${labels.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(', ')}}` : 'map[string]string(nil)';
  const expressions = arr(s.matchExpressions).map(obj);
  const matchExpressions = expressions.length
    ? `[]v1.LabelSelectorRequirement{${expressions.map((e) => `v1.LabelSelectorRequirement{Key:${JSON.stringify(e.key ?? '')}, Operator:${JSON.stringify(e.operator ?? '')}, Values:[]string{${arr(e.values).map((v) => JSON.stringify(v)).join(', ')}}}`).join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${matchLabels}, MatchExpressions:${matchExpressions}}`;
}
