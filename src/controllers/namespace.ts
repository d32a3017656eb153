import type { KubeObject, ResourceDefinition } from '../api/types.js';
import type { Client, ResourceRef } from '../client/index.js';
import { isNotFound } from '../client/errors.js';

export interface NamespaceControllerOptions {
  client: Client;
  /** Every served resource; the namespaced ones are emptied when their namespace goes. */
  resources: ResourceDefinition[];
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Pause between retries of a namespace whose content is not gone yet. */
  retryMs?: number;
}

const namespacesRef: ResourceRef = { apiVersion: 'v1', plural: 'namespaces' };
const kubernetesFinalizer = 'kubernetes';

function refOf(definition: ResourceDefinition): ResourceRef {
  return { apiVersion: definition.group ? `${definition.group}/${definition.version}` : definition.version, plural: definition.plural };
}

/**
 * The namespace controller: when a namespace is being deleted it deletes everything in it,
 * then removes the `kubernetes` finalizer (through /finalize) so the namespace goes too.
 */
export class NamespaceController {
  private readonly namespaced: ResourceRef[];
  private readonly log: NonNullable<NamespaceControllerOptions['log']>;
  private readonly busy = new Set<string>();

  constructor(private readonly options: NamespaceControllerOptions) {
    if (!options.client) throw new TypeError('Cannot create namespace controller: a client is required');
    this.namespaced = options.resources.filter((r) => r.namespaced && !(r.verbs && !r.verbs.includes('delete'))).map(refOf);
    this.log = options.log ?? (() => undefined);
  }

  /** Runs until the signal aborts: list, then watch, relisting when the watch ends. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const list = await this.options.client.list(namespacesRef, undefined);
        for (const namespace of list.items) this.consider(namespace, signal);
        for await (const event of this.options.client.watch(namespacesRef, undefined, { resourceVersion: list.resourceVersion }, signal)) {
          if (event.type === 'ADDED' || event.type === 'MODIFIED') this.consider(event.object, signal);
          if (event.type === 'ERROR') break;
        }
      } catch (error: unknown) {
        if (signal.aborted) return;
        this.log('namespace watch failed; relisting', { error: error instanceof Error ? error.message : String(error) });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private consider(namespace: KubeObject, signal: AbortSignal): void {
    const name = namespace.metadata.name ?? '';
    if (!namespace.metadata.deletionTimestamp || this.busy.has(name)) return;
    this.busy.add(name);
    void this.finish(name, signal).finally(() => this.busy.delete(name));
  }

  /** Deletes the namespace's content until none is left, then finalizes it. */
  private async finish(name: string, signal: AbortSignal): Promise<void> {
    const { client } = this.options;
    while (!signal.aborted) {
      let remaining = 0;
      for (const ref of this.namespaced) {
        try {
          const list = await client.list(ref, name);
          for (const item of list.items) {
            remaining++;
            if (item.metadata.deletionTimestamp) continue;
            await client.delete(ref, name, item.metadata.name ?? '', { propagationPolicy: 'Background' }).catch((error: unknown) => {
              if (!isNotFound(error)) throw error;
            });
          }
        } catch (error: unknown) {
          this.log('could not empty namespace', { namespace: name, resource: ref.plural, error: error instanceof Error ? error.message : String(error) });
          remaining++;
        }
      }
      if (remaining === 0) {
        try {
          const namespace = await client.get(namespacesRef, undefined, name);
          const spec = (namespace.spec ?? {}) as { finalizers?: string[] };
          const finalizers = (spec.finalizers ?? []).filter((f) => f !== kubernetesFinalizer);
          await client.update(namespacesRef, { ...namespace, spec: { ...spec, finalizers } }, { subresource: 'finalize' });
        } catch (error: unknown) {
          if (!isNotFound(error)) this.log('could not finalize namespace', { namespace: name, error: error instanceof Error ? error.message : String(error) });
        }
        return;
      }
      await new Promise((r) => setTimeout(r, this.options.retryMs ?? 200));
    }
  }
}

