/** Cron schedule syntax as robfig/cron's standard parser (used by the CronJob controller) accepts it. */

const descriptors = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const fieldRanges: Array<{ name: string; min: number; max: number; names?: string[] }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

function valueOf(text: string, range: (typeof fieldRanges)[number]): number | undefined {
  const named = range.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + range.min;
  if (!/^[0-9]+$/.test(text)) return undefined;
  return Number(text);
}

function fieldError(field: string, range: (typeof fieldRanges)[number]): string | undefined {
  for (const part of field.split(',')) {
    const [base, step, extra] = part.split('/');
    if (extra !== undefined || base === undefined || base === '') return `failed to parse int from ${part}`;
    if (step !== undefined && !/^[0-9]+$/.test(step)) return `failed to parse int from ${step}`;
    if (step !== undefined && Number(step) === 0) return `step of range should be a positive number: ${part}`;
    if (base === '*' || base === '?') continue;
    const [low, high, more] = base.split('-');
    if (more !== undefined) return `too many hyphens: ${part}`;
    const start = valueOf(low ?? '', range);
    const end = high === undefined ? start : valueOf(high, range);
    if (start === undefined) return `failed to parse int from ${low ?? ''}`;
    if (end === undefined) return `failed to parse int from ${high ?? ''}`;
    if (start < range.min) return `beginning of range (${start}) below minimum (${range.min}): ${part}`;
    if (end > range.max) return `end of range (${end}) above maximum (${range.max}): ${part}`;
    if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${part}`;
  }
  return undefined;
}

/** Why a schedule does not parse, or undefined when it does. */
export function cronScheduleError(schedule: string): string | undefined {
  const trimmed = schedule.trim();
  if (/^(CRON_)?TZ=/.test(trimmed)) return 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead';
  if (trimmed.startsWith('@')) {
    if (descriptors.has(trimmed)) return undefined;
    if (/^@every\s+\S+$/.test(trimmed)) return undefined;
    return `unrecognized descriptor: ${trimmed}`;
  }
  const fields = trimmed.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: ${trimmed}`;
  for (let i = 0; i < 5; i++) {
    const problem = fieldError(fields[i]!, fieldRanges[i]!);
    if (problem) return problem;
  }
  return undefined;
}
