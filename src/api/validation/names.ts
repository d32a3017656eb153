/** Name and key formats of k8s.io/apimachinery/pkg/util/validation, with its messages. */

const dns1123LabelPattern = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainPattern = `${dns1123LabelPattern}(\\.${dns1123LabelPattern})*`;
const dns1035LabelPattern = '[a-z]([-a-z0-9]*[a-z0-9])?';
const qualifiedNamePattern = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelValuePattern = '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?';
const configKeyPattern = '[-._a-zA-Z0-9]+';

const whole = (pattern: string) => new RegExp(`^${pattern}$`);
const dns1123Label = whole(dns1123LabelPattern);
const dns1123Subdomain = whole(dns1123SubdomainPattern);
const dns1035Label = whole(dns1035LabelPattern);
const qualifiedName = whole(qualifiedNamePattern);
const labelValue = whole(labelValuePattern);
const configKey = whole(configKeyPattern);

function regexError(message: string, pattern: string, ...examples: string[]): string {
  const e = examples.length ? ` (e.g. ${examples.map((x) => `'${x}'`).join(',  or ')}, regex used for validation is '${pattern}')` : ` (regex used for validation is '${pattern}')`;
  return message + e;
}

const maxLength = (n: number) => `must be no more than ${n} characters`;

export function isDns1123Label(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push(maxLength(63));
  if (!dns1123Label.test(value)) {
    errors.push(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", dns1123LabelPattern, 'my-name', '123-abc'));
  }
  return errors;
}

export function isDns1123Subdomain(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 253) errors.push(maxLength(253));
  if (!dns1123Subdomain.test(value)) {
    errors.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", dns1123SubdomainPattern, 'example.com'));
  }
  return errors;
}

export function isDns1035Label(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push(maxLength(63));
  if (!dns1035Label.test(value)) {
    errors.push(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", dns1035LabelPattern, 'my-name', 'abc-123'));
  }
  return errors;
}

/** Names used as one path segment (RBAC objects): anything but `.`, `..`, `/` and `%`. */
export function isPathSegmentName(value: string): string[] {
  if (value === '.' || value === '..') return [`may not be '${value}'`];
  for (const bad of ['/', '%']) if (value.includes(bad)) return [`may not contain '${bad}'`];
  return [];
}

/** Label and annotation keys: an optional DNS subdomain prefix and a name of at most 63 characters. */
export function isQualifiedName(value: string): string[] {
  const parts = value.split('/');
  let name: string;
  const errors: string[] = [];
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errors.push('prefix part must be non-empty');
    else errors.push(...isDns1123Subdomain(prefix).map((e) => `prefix part ${e}`));
  } else {
    return [regexError("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", qualifiedNamePattern, 'MyName', 'my.name', '123-abc') + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
  }
  if (name.length === 0) errors.push('name part must be non-empty');
  else if (name.length > 63) errors.push(`name part ${maxLength(63)}`);
  if (name.length && !qualifiedName.test(name)) {
    errors.push(`name part ${regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", qualifiedNamePattern, 'MyName', 'my.name', '123-abc')}`);
  }
  return errors;
}

export function isLabelValue(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push(maxLength(63));
  if (!labelValue.test(value)) {
    errors.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", labelValuePattern, 'MyValue', 'my_value', '12345'));
  }
  return errors;
}

export function isConfigMapKey(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 253) errors.push(maxLength(253));
  if (!configKey.test(value)) {
    errors.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", configKeyPattern, 'key.name', 'KEY_NAME', 'key-name'));
  }
  if (value === '.') errors.push("must not be '.'");
  else if (value === '..') errors.push("must not be '..'");
  else if (value.startsWith('..')) errors.push("must not start with '..'");
  return errors;
}

/** Environment variable names: printable ASCII without '=' (relaxed in Kubernetes 1.30+). */
export function isEnvVarName(value: string): string[] {
  if (value.length === 0 || !/^[ -<>-~]+$/.test(value)) {
    return ["a valid environment variable name must consist only of printable ASCII characters other than '='"];
  }
  return [];
}

/** IANA service names, used for named ports: at most 15 characters, letters, digits and '-'. */
export function isPortName(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 15) errors.push(maxLength(15));
  if (!/^[-a-z0-9]+$/.test(value)) errors.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (value.includes('--')) errors.push("must not contain consecutive hyphens");
  if (value.length && !/[a-z]/.test(value)) errors.push('must contain at least one letter (a-z)');
  if (value.startsWith('-') || value.endsWith('-')) errors.push('must not begin or end with a hyphen');
  return errors;
}

export function isPortNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

export const portRangeDetail = 'must be between 1 and 65535, inclusive';
