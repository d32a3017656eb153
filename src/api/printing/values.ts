/** Small readers for printing untyped objects safely. */
export type Obj = Record<string, unknown>;

export function obj(value: unknown): Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : {};
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : fallback;
}

export function num(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** `<none>` for empty, as kubectl prints missing values. */
export function orNone(value: string): string {
  return value === '' ? '<none>' : value;
}

/** A label selector object as kubectl prints it (`app=web,tier in (a,b)`), or `<none>`. */
export function selectorText(selector: unknown): string {
  const s = obj(selector);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(obj(s.matchLabels))) parts.push(`${k}=${str(v)}`);
  for (const e of arr(s.matchExpressions).map(obj)) {
    const values = arr(e.values).map((v) => str(v));
    switch (e.operator) {
      case 'In': parts.push(`${str(e.key)} in (${values.join(',')})`); break;
      case 'NotIn': parts.push(`${str(e.key)} notin (${values.join(',')})`); break;
      case 'Exists': parts.push(str(e.key)); break;
      case 'DoesNotExist': parts.push(`!${str(e.key)}`); break;
    }
  }
  return parts.length ? parts.join(',') : '<none>';
}

/** A map selector (services) as `a=b,c=d`. */
export function mapText(map: unknown): string {
  const entries = Object.entries(obj(map)).map(([k, v]) => `${k}=${str(v)}`);
  return entries.length ? entries.sort().join(',') : '<none>';
}

/** Containers and images columns of workload printers. */
export function containersAndImages(podSpec: unknown): [string, string] {
  const containers = arr(obj(podSpec).containers).map(obj);
  return [containers.map((c) => str(c.name)).join(','), containers.map((c) => str(c.image)).join(',')];
}
