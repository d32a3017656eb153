/** resource.Quantity parsing: `500m`, `1.5`, `128Mi`, `1e3`. */

const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimal: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const pattern = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

export const quantityPatternText = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** The value of a quantity (a number or a string), or undefined when it is not one. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = pattern.exec(value.trim());
  if (!match) return undefined;
  const number = Number(match[1]);
  if (!Number.isFinite(number) || /\..*\./.test(match[1]!)) return undefined;
  const suffix = match[2]!;
  if (suffix in binary) return number * binary[suffix]!;
  if (suffix in decimal) return number * decimal[suffix]!;
  const exponent = /^[eE]([-+]?[0-9]+)$/.exec(suffix);
  if (exponent) return number * 10 ** Number(exponent[1]);
  return undefined;
}
