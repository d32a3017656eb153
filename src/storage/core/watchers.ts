import type { WatchEvent } from '../types.js';

/** One live watcher: a prefix, a queue and a way to wake its reader. */
export interface Watcher {
  prefix: string;
  queue: WatchEvent[];
  wake?: () => void;
  closed: boolean;
}

/** Fans committed events out to watchers; never blocks writers (queues are per watcher). */
export class WatcherHub {
  private readonly watchers = new Set<Watcher>();

  add(prefix: string): Watcher {
    const watcher: Watcher = { prefix, queue: [], closed: false };
    this.watchers.add(watcher);
    return watcher;
  }

  remove(watcher: Watcher): void {
    watcher.closed = true;
    this.watchers.delete(watcher);
    watcher.wake?.();
  }

  publish(events: WatchEvent[]): void {
    for (const watcher of this.watchers) {
      let woke = false;
      for (const event of events) {
        if (!event.key.startsWith(watcher.prefix)) continue;
        watcher.queue.push(event);
        woke = true;
      }
      if (woke) watcher.wake?.();
    }
  }

  closeAll(): void {
    for (const watcher of [...this.watchers]) this.remove(watcher);
  }

  get size(): number {
    return this.watchers.size;
  }
}
