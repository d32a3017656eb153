/** Cron schedule syntax as robfig/cron's standard parser (used by the CronJob controller) accepts it. */

const descriptors = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const fieldRanges: Array<{ name: string; min: number; max: number; names?: string[] }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** robfig/cron's mustParseInt: strconv.Atoi, then no negatives. */
function parseInt(text: string): { value?: number; error?: string } {
  if (!/^[+-]?[0-9]+$/.test(text)) return { error: `failed to parse int from ${text}: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax` };
  const value = Number(text);
  if (value < 0) return { error: `negative number (${value}) not allowed: ${text}` };
  return { value };
}

function valueOf(text: string, range: (typeof fieldRanges)[number]): { value?: number; error?: string } {
  const named = range.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return { value: named + range.min };
  return parseInt(text);
}

/** robfig/cron's getRange for each comma-separated part of a field, with its error texts. */
function fieldError(field: string, range: (typeof fieldRanges)[number]): string | undefined {
  for (const part of field.split(',').filter(Boolean)) {
    const rangeAndStep = part.split('/');
    const lowAndHigh = rangeAndStep[0]!.split('-');
    let start = range.min;
    let end = range.max;
    if (lowAndHigh[0] !== '*' && lowAndHigh[0] !== '?') {
      const low = valueOf(lowAndHigh[0]!, range);
      if (low.error !== undefined) return low.error;
      start = low.value!;
      if (lowAndHigh.length === 1) end = start;
      else if (lowAndHigh.length === 2) {
        const high = valueOf(lowAndHigh[1]!, range);
        if (high.error !== undefined) return high.error;
        end = high.value!;
      } else return `too many hyphens: ${part}`;
    }
    let step = 1;
    if (rangeAndStep.length === 2) {
      const parsed = parseInt(rangeAndStep[1]!);
      if (parsed.error !== undefined) return parsed.error;
      step = parsed.value!;
      // "N/step" means "N-max/step".
      if (lowAndHigh.length === 1) end = range.max;
    } else if (rangeAndStep.length > 2) return `too many slashes: ${part}`;
    if (start < range.min) return `beginning of range (${start}) below minimum (${range.min}): ${part}`;
    if (end > range.max) return `end of range (${end}) above maximum (${range.max}): ${part}`;
    if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${part}`;
    if (step === 0) return `step of range should be a positive number: ${part}`;
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
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  for (let i = 0; i < 5; i++) {
    const problem = fieldError(fields[i]!, fieldRanges[i]!);
    if (problem) return problem;
  }
  return undefined;
}
