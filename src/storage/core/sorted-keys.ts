/** A sorted set of keys with binary search, for prefix listing in key order. */
export class SortedKeys {
  private readonly keys: string[] = [];

  /** Index of the first key >= `key`. */
  lowerBound(key: string): number {
    let low = 0;
    let high = this.keys.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.keys[mid] < key) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  add(key: string): void {
    const at = this.lowerBound(key);
    if (this.keys[at] !== key) this.keys.splice(at, 0, key);
  }

  delete(key: string): void {
    const at = this.lowerBound(key);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }

  /** Keys under a prefix, strictly after `startAfter` when given, in order. */
  *range(prefix: string, startAfter?: string): IterableIterator<string> {
    let at = this.lowerBound(startAfter !== undefined && startAfter >= prefix ? startAfter : prefix);
    if (startAfter !== undefined && this.keys[at] === startAfter) at++;
    for (; at < this.keys.length; at++) {
      const key = this.keys[at];
      if (!key.startsWith(prefix)) return;
      yield key;
    }
  }
}
