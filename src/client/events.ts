import type { KubeObject } from '../api/types.js';
import type { Client } from './types.js';
import { kubeTime } from '../api/time.js';

const eventsRef = { apiVersion: 'v1', plural: 'events' };

/** What an event is about: enough of the object to fill involvedObject. */
export interface InvolvedObject {
  apiVersion?: string;
  kind?: string;
  metadata: Pick<KubeObject['metadata'], 'name' | 'namespace' | 'uid' | 'resourceVersion'>;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

/**
 * Records core/v1 Events the way client-go's recorder does: a repeat of the same reason and
 * message for the same object bumps count and lastTimestamp instead of creating a new Event,
 * so `kubectl describe` shows "x3 over 2m".
 */
export class EventRecorder {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly client: Client,
    private readonly component: string,
    private readonly host = '',
    private readonly now: () => Date = () => new Date(),
    private readonly log: (message: string, fields?: Record<string, unknown>) => void = () => undefined,
  ) {}

  /** Records an event; failures are logged, never thrown (events are best effort). */
  async record(object: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const namespace = object.metadata.namespace || 'default';
    const time = kubeTime(this.now());
    const key = [object.kind, namespace, object.metadata.name, object.metadata.uid, type, reason, message].join('\u0000');
    const previous = this.seen.get(key);
    try {
      if (previous) {
        previous.count++;
        await this.client.patch(eventsRef, previous.namespace, previous.name, 'merge', { count: previous.count, lastTimestamp: time });
        return;
      }
      const name = `${object.metadata.name ?? 'unknown'}.${(this.now().getTime() * 1e6 + Math.floor(Math.random() * 1e6)).toString(16)}`;
      const event = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: object.metadata.name,
          namespace: object.metadata.namespace,
          uid: object.metadata.uid,
          resourceVersion: object.metadata.resourceVersion,
        },
        reason,
        message,
        type,
        source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
        reportingComponent: this.component,
        reportingInstance: this.host,
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
      };
      await this.client.create(eventsRef, namespace, event);
      this.seen.set(key, { name, namespace, count: 1, firstTimestamp: time });
      if (this.seen.size > 4096) this.seen.delete(this.seen.keys().next().value as string);
    } catch (error: unknown) {
      this.seen.delete(key);
      this.log('could not record event', { reason, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
