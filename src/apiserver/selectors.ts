import { badRequest } from './errors.js';

/** One requirement of a label selector, as labels.Requirement. */
export interface LabelRequirement {
  key: string;
  operator: 'in' | 'notin' | 'exists' | '!' | '=' | '!=';
  values: string[];
}

/** A parsed label selector: all requirements must hold. Empty matches everything. */
export type LabelSelector = LabelRequirement[];

const keyPattern = /^([a-z0-9A-Z]([-a-z0-9A-Z._]*[a-z0-9A-Z])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;
const valuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function checkKey(key: string, whole: string): string {
  if (!keyPattern.test(key) || key.length > 316) {
    throw badRequest(`unable to parse requirement: invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (in selector "${whole}")`);
  }
  return key;
}

function checkValue(value: string, whole: string): string {
  if (!valuePattern.test(value) || value.length > 63) {
    throw badRequest(`unable to parse requirement: invalid label value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (in selector "${whole}")`);
  }
  return value;
}

/** Parses `a=b,c!=d,e in (x,y),!f,g` as kubectl sends it; throws 400 on bad syntax. */
export function parseLabelSelector(text: string | undefined | null): LabelSelector {
  if (!text) return [];
  const requirements: LabelSelector = [];
  for (const part of splitTopLevel(text)) {
    let match = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (match) {
      const values = match[3].split(',').map((v) => checkValue(v.trim(), text));
      requirements.push({ key: checkKey(match[1], text), operator: match[2] as 'in' | 'notin', values });
      continue;
    }
    match = /^!\s*(\S+)$/.exec(part);
    if (match) {
      requirements.push({ key: checkKey(match[1], text), operator: '!', values: [] });
      continue;
    }
    match = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (match) {
      const operator = match[2] === '!=' ? '!=' : '=';
      requirements.push({ key: checkKey(match[1], text), operator, values: [checkValue(match[3].trim(), text)] });
      continue;
    }
    if (/^[^=!\s()]+$/.test(part)) {
      requirements.push({ key: checkKey(part, text), operator: 'exists', values: [] });
      continue;
    }
    throw badRequest(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt (in selector "${text}")`);
  }
  return requirements;
}

/** True when labels satisfy every requirement. */
export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const have = labels ?? {};
  for (const r of selector) {
    const present = Object.prototype.hasOwnProperty.call(have, r.key);
    const value = have[r.key];
    switch (r.operator) {
      case '=': if (!present || value !== r.values[0]) return false; break;
      case '!=': if (present && value === r.values[0]) return false; break;
      case 'in': if (!present || !r.values.includes(value)) return false; break;
      case 'notin': if (present && r.values.includes(value)) return false; break;
      case 'exists': if (!present) return false; break;
      case '!': if (present) return false; break;
    }
  }
  return true;
}

/** The metav1.LabelSelector object form (matchLabels, matchExpressions). */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** Converts a LabelSelector object to requirements (as metav1.LabelSelectorAsSelector). */
export function selectorFromObject(object: LabelSelectorObject | undefined): LabelSelector {
  if (!object) return [];
  const requirements: LabelSelector = [];
  for (const [key, value] of Object.entries(object.matchLabels ?? {})) requirements.push({ key, operator: '=', values: [value] });
  for (const e of object.matchExpressions ?? []) {
    const op = e.operator;
    if (op === 'In') requirements.push({ key: e.key, operator: 'in', values: e.values ?? [] });
    else if (op === 'NotIn') requirements.push({ key: e.key, operator: 'notin', values: e.values ?? [] });
    else if (op === 'Exists') requirements.push({ key: e.key, operator: 'exists', values: [] });
    else if (op === 'DoesNotExist') requirements.push({ key: e.key, operator: '!', values: [] });
  }
  return requirements;
}

/** Prints requirements in the string form (`a=b,c in (x,y)`), as Scale's status.selector. */
export function formatLabelSelector(selector: LabelSelector): string {
  return selector
    .map((r) => {
      switch (r.operator) {
        case '=': return `${r.key}=${r.values[0]}`;
        case '!=': return `${r.key}!=${r.values[0]}`;
        case 'in': return `${r.key} in (${[...r.values].sort().join(',')})`;
        case 'notin': return `${r.key} notin (${[...r.values].sort().join(',')})`;
        case 'exists': return r.key;
        case '!': return `!${r.key}`;
      }
    })
    .join(',');
}

/** One field selector term. */
export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

/** Parses `metadata.name=x,status.phase!=Running` with `\,` `\=` `\\` escapes. */
export function parseFieldSelector(text: string | undefined | null): FieldRequirement[] {
  if (!text) return [];
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[++i];
    } else if (c === ',') {
      terms.push(current);
      current = '';
    } else current += c;
  }
  terms.push(current);
  const unescape = (s: string): string => s.replace(/\\(.)/g, '$1');
  const result: FieldRequirement[] = [];
  for (const term of terms) {
    if (term === '') continue;
    const match = /^(.*?)(==|!=|=)(.*)$/.exec(term.replace(/\\[=!]/g, (m) => (m === '\\=' ? '\u0000' : '\u0001')));
    if (!match) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const restore = (s: string): string => unescape(s.replace(/\u0000/g, '\\=').replace(/\u0001/g, '\\!'));
    result.push({ field: restore(match[1]).trim(), operator: match[2] === '!=' ? '!=' : '=', value: restore(match[3]) });
  }
  return result;
}

/** True when the object's selectable fields satisfy every term. */
export function matchesFields(terms: FieldRequirement[], fields: Record<string, string | undefined>): boolean {
  for (const t of terms) {
    const have = fields[t.field] ?? '';
    if (t.operator === '=' ? have !== t.value : have === t.value) return false;
  }
  return true;
}
