/**
 * parseGoDuration parses Go's time.Duration text format (e.g. "500ms", "1s",
 * "2m", "1h30m", "1.5s", "-2s") into milliseconds. Simulated pods read their
 * run time from an annotation written by humans who know Kubernetes/Go, so we
 * accept exactly the syntax Go's time.ParseDuration accepts.
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

export function parseGoDuration(text: string): number {
  const input = text.trim();
  if (input === '') throw new Error(`invalid duration ${JSON.stringify(text)}`);
  let rest = input;
  let sign = 1;
  if (rest[0] === '-' || rest[0] === '+') {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  // Go accepts a bare "0" without a unit, and nothing else unit-less.
  if (rest === '0') return 0;
  if (rest === '') throw new Error(`invalid duration ${JSON.stringify(text)}`);
  const re = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  let total = 0;
  while (rest.length > 0) {
    const m = re.exec(rest);
    if (!m) throw new Error(`invalid duration ${JSON.stringify(text)}`);
    const num = m[1] as string;
    const unit = m[2] as string;
    const factor = UNIT_MS[unit];
    if (factor === undefined) throw new Error(`unknown unit ${unit} in duration ${JSON.stringify(text)}`);
    total += Number(num) * factor;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}
