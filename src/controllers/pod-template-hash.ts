/**
 * The `pod-template-hash` label (kube's controller.ComputeHash): FNV-32a over the pod
 * template, plus the collision count when set, rendered with rand.SafeEncodeString. kube
 * hashes Go's spew dump of the struct; litekube hashes a canonical JSON rendering (keys
 * sorted), so values differ from kube's but are stable for equal templates.
 */

export const podTemplateHashLabel = 'pod-template-hash';

/** Consonants and digits that cannot spell words (k8s.io/apimachinery/pkg/util/rand). */
const alphanums = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with object keys sorted at every level; undefined values are dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}

/** FNV-1a, 32 bits, over the UTF-8 bytes of a string. */
export function fnv32a(text: string, hash = 0x811c9dc5): number {
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** rand.SafeEncodeString: each character mapped into the safe alphabet by its code. */
export function safeEncodeString(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += alphanums[text.charCodeAt(i) % alphanums.length];
  return out;
}

/** The template without the pod-template-hash label (what kube's EqualIgnoreHash compares). */
export function templateWithoutHash(template: unknown): unknown {
  if (template === null || typeof template !== 'object') return template;
  const t = template as { metadata?: { labels?: Record<string, string> } };
  const labels = t.metadata?.labels;
  if (!labels || !(podTemplateHashLabel in labels)) return template;
  const rest = { ...labels };
  delete rest[podTemplateHashLabel];
  return { ...t, metadata: { ...t.metadata, labels: rest } };
}

/** Drops empty maps, empty arrays and nulls so `labels: {}` and no labels compare equal. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined || v === null) continue;
    const n = normalize(v);
    if (Array.isArray(n) && n.length === 0) continue;
    if (n !== null && typeof n === 'object' && !Array.isArray(n) && Object.keys(n).length === 0) continue;
    out[k] = n;
  }
  return out;
}

/** ComputeHash(template, collisionCount) as a label value. */
export function computeHash(template: unknown, collisionCount?: number): string {
  let hash = fnv32a(canonicalJson(normalize(templateWithoutHash(template))));
  if (collisionCount !== undefined && collisionCount !== null) {
    // kube writes the count as 4 little-endian bytes into the hasher.
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(collisionCount >>> 0);
    for (const byte of bytes) {
      hash ^= byte;
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  }
  return safeEncodeString(String(hash >>> 0));
}

/** EqualIgnoreHash: two pod templates are equal apart from the pod-template-hash label. */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  return canonicalJson(normalize(templateWithoutHash(a))) === canonicalJson(normalize(templateWithoutHash(b)));
}
