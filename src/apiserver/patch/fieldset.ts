/**
 * Sets of field paths, convertible to and from the FieldsV1 wire form used in
 * metadata.managedFields. A path is a list of elements spelled as in FieldsV1:
 *   `f:<name>`    a field of an object or a key of a map
 *   `k:<json>`    an item of an associative list, by its key fields
 *   `v:<json>`    an item of a set list, by value
 *   `i:<n>`       an item of an atomic-by-position list (rare)
 * In FieldsV1 a key with `{}` as value is a member; `".": {}` inside a node marks the
 * node itself as a member when it also has members below it.
 */

export type PathElement = string;
export type FieldPath = readonly PathElement[];

export type FieldsV1 = Record<string, unknown>;

function keyOf(path: FieldPath): string {
  return JSON.stringify(path);
}

export class FieldSet {
  private readonly members = new Map<string, FieldPath>();

  constructor(paths: Iterable<FieldPath> = []) {
    for (const path of paths) this.add(path);
  }

  add(path: FieldPath): void {
    this.members.set(keyOf(path), [...path]);
  }

  delete(path: FieldPath): void {
    this.members.delete(keyOf(path));
  }

  has(path: FieldPath): boolean {
    return this.members.has(keyOf(path));
  }

  get size(): number {
    return this.members.size;
  }

  isEmpty(): boolean {
    return this.members.size === 0;
  }

  paths(): FieldPath[] {
    return [...this.members.values()];
  }

  union(other: FieldSet): FieldSet {
    return new FieldSet([...this.paths(), ...other.paths()]);
  }

  difference(other: FieldSet): FieldSet {
    return new FieldSet(this.paths().filter((p) => !other.has(p)));
  }

  intersection(other: FieldSet): FieldSet {
    return new FieldSet(this.paths().filter((p) => other.has(p)));
  }

  /** True when some member is `prefix` itself or lies below it. */
  hasPrefix(prefix: FieldPath): boolean {
    return this.paths().some((p) => prefix.length <= p.length && prefix.every((e, i) => p[i] === e));
  }

  equals(other: FieldSet): boolean {
    return this.size === other.size && this.paths().every((p) => other.has(p));
  }

  /** Builds the nested FieldsV1 object, with keys sorted like Kubernetes prints them. */
  toFieldsV1(): FieldsV1 {
    const root: FieldsV1 = {};
    const sorted = this.paths().sort((a, b) => a.length - b.length);
    for (const path of sorted) {
      let node = root;
      for (const element of path) {
        const existing = node[element];
        const child: FieldsV1 = isNode(existing) ? existing : {};
        node[element] = child;
        node = child;
      }
    }
    // A member whose node gained children needs "." to stay a member.
    for (const path of sorted) {
      const node = nodeAt(root, path);
      if (node !== undefined && Object.keys(node).some((k) => k !== '.')) node['.'] = {};
    }
    return sortKeys(root);
  }

  static fromFieldsV1(fields: unknown): FieldSet {
    const set = new FieldSet();
    const visit = (node: unknown, path: PathElement[]): void => {
      if (!isNode(node)) return;
      const keys = Object.keys(node);
      if (keys.length === 0) {
        if (path.length > 0) set.add(path);
        return;
      }
      for (const key of keys) {
        if (key === '.') set.add(path);
        else visit(node[key], [...path, key]);
      }
    };
    visit(fields, []);
    return set;
  }
}

function isNode(value: unknown): value is FieldsV1 {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nodeAt(root: FieldsV1, path: FieldPath): FieldsV1 | undefined {
  let node: FieldsV1 | undefined = root;
  for (const element of path) {
    const next: unknown = node[element];
    if (!isNode(next)) return undefined;
    node = next;
  }
  return node;
}

export function sortKeys(node: FieldsV1): FieldsV1 {
  const out: FieldsV1 = {};
  for (const key of Object.keys(node).sort()) {
    const child = node[key];
    out[key] = isNode(child) ? sortKeys(child) : {};
  }
  return out;
}

/**
 * Prints a path the way structured-merge-diff does in conflict messages:
 * `.spec.containers[name="nginx"].image`, `.metadata.finalizers[="x"]`.
 */
export function printPath(path: FieldPath): string {
  let out = '';
  for (const element of path) {
    const kind = element.slice(0, 2);
    const body = element.slice(2);
    if (kind === 'f:') out += `.${body}`;
    else if (kind === 'i:') out += `[${body}]`;
    else if (kind === 'v:') out += `[=${body}]`;
    else if (kind === 'k:') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body) as unknown;
      } catch {
        parsed = undefined;
      }
      if (isNode(parsed)) {
        const parts = Object.entries(parsed).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
        out += `[${parts.join(',')}]`;
      } else {
        out += `[${body}]`;
      }
    } else {
      out += `.${element}`;
    }
  }
  return out;
}
