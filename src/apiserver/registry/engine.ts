import { randomUUID } from 'node:crypto';
import type { KubeObject, ResourceDefinition } from '../../api/types.js';
import { StoreError, type Store, type StoredValue } from '../../storage/types.js';
import { alreadyExists, badRequest, conflict, invalid, notFound, StatusError } from '../errors.js';
import { apiVersionOf, cloneObject, decodeStored, encodeForStore, isRecord, objectKey, specFingerprint, timestamp } from './objects.js';
import type { RegistryOptions, WriteOptions, WriteResult } from './options.js';
import { admitNamespace } from './namespaces.js';

const generateNameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The one engine behind every resource: create, read, update and delete over the
 * store, driven by each resource's strategy. It never names a kind.
 */
export class Registry {
  readonly store: Store;
  readonly now: () => Date;
  readonly options: RegistryOptions;
  private readonly byKind = new Map<string, ResourceDefinition>();

  constructor(options: RegistryOptions) {
    if (!options.store) throw new TypeError('Cannot create registry: a store is required');
    this.options = options;
    this.store = options.store;
    this.now = options.now ?? (() => new Date());
    for (const definition of options.resources) this.byKind.set(`${definition.group}/${definition.kind}`, definition);
  }

  /** The definition serving a group and kind (e.g. for namespace lookups). */
  definitionFor(group: string, kind: string): ResourceDefinition | undefined {
    return this.byKind.get(`${group}/${kind}`);
  }

  gr(definition: ResourceDefinition): { group: string; resource: string } {
    return { group: definition.group, resource: definition.plural };
  }

  async get(definition: ResourceDefinition, namespace: string | undefined, name: string): Promise<KubeObject> {
    const stored = await this.store.get(objectKey(definition, namespace, name));
    if (!stored) throw notFound(this.gr(definition), name);
    return this.withTypeMeta(definition, decodeStored(definition, stored));
  }

  /** Reads an object and its stored revision, or undefined when absent. */
  async read(definition: ResourceDefinition, namespace: string | undefined, name: string): Promise<{ object: KubeObject; stored: StoredValue } | undefined> {
    const stored = await this.store.get(objectKey(definition, namespace, name));
    if (!stored) return undefined;
    return { object: this.withTypeMeta(definition, decodeStored(definition, stored)), stored };
  }

  withTypeMeta(definition: ResourceDefinition, object: KubeObject): KubeObject {
    object.apiVersion = apiVersionOf(definition);
    object.kind = definition.kind;
    return object;
  }

  /** Checks the body's kind, apiVersion, namespace and name against the request. */
  checkBody(definition: ResourceDefinition, body: unknown, namespace: string | undefined, name?: string): KubeObject {
    if (!isRecord(body)) throw badRequest('the body of the request must be a JSON or YAML object');
    const object = body as KubeObject;
    const apiVersion = apiVersionOf(definition);
    if (object.apiVersion !== undefined && object.apiVersion !== apiVersion) {
      throw badRequest(`the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${apiVersion})`);
    }
    if (object.kind !== undefined && object.kind !== definition.kind) {
      throw badRequest(`the kind in the data (${String(object.kind)}) does not match the expected kind (${definition.kind})`);
    }
    if (object.metadata === undefined || object.metadata === null) object.metadata = {};
    if (!isRecord(object.metadata)) throw badRequest('metadata must be an object');
    const metadata = object.metadata;
    if (definition.namespaced) {
      if (metadata.namespace !== undefined && metadata.namespace !== '' && namespace !== undefined && metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      if (namespace !== undefined) metadata.namespace = namespace;
    } else if (metadata.namespace === '') {
      delete metadata.namespace;
    }
    if (name !== undefined && metadata.name !== undefined && metadata.name !== name) {
      throw badRequest(`the name of the object (${String(metadata.name)}) does not match the name on the URL (${name})`);
    }
    if (name !== undefined && metadata.name === undefined) metadata.name = name;
    return this.withTypeMeta(definition, object);
  }

  fieldWarnings(definition: ResourceDefinition, object: KubeObject, options: WriteOptions): string[] {
    const mode = options.fieldValidation ?? 'Warn';
    if (mode === 'Ignore' || !this.options.unknownFields) return [];
    const unknown = this.options.unknownFields(definition, object);
    if (unknown.length === 0) return [];
    const texts = unknown.map((field) => `unknown field "${field}"`);
    if (mode === 'Strict') {
      throw badRequest(`strict decoding error: ${texts.join(', ')}`);
    }
    return texts;
  }

  validateCreate(definition: ResourceDefinition, object: KubeObject): void {
    const errors = [...(this.options.validateMetadata?.(definition, object) ?? []), ...(definition.strategy.validateCreate?.(object) ?? [])];
    if (errors.length) throw invalid(definition.group, definition.kind, object.metadata.name ?? object.metadata.generateName ?? '', errors);
  }

  validateUpdate(definition: ResourceDefinition, object: KubeObject, old: KubeObject, subresource?: string): void {
    const metadataErrors = [
      ...(this.options.validateMetadata?.(definition, object) ?? []),
      ...(this.options.validateMetadataUpdate?.(definition, object, old) ?? []),
    ];
    // Partial subresources (finalize, binding) change only what their own function allows.
    const partial = subresource !== undefined && definition.partialSubresources?.[subresource] !== undefined;
    const strategyErrors = partial ? [] : subresource === 'status'
      ? definition.strategy.validateStatusUpdate?.(object, old) ?? []
      : definition.strategy.validateUpdate?.(object, old) ?? [];
    const errors = [...metadataErrors, ...strategyErrors];
    if (errors.length) throw invalid(definition.group, definition.kind, object.metadata.name ?? '', errors);
  }

  /** Creates an object: prepare, default, validate, admit, store. */
  async create(definition: ResourceDefinition, namespace: string | undefined, body: unknown, options: WriteOptions = {}): Promise<WriteResult> {
    let object = this.checkBody(definition, body, namespace);
    const warnings = this.fieldWarnings(definition, object, options);
    const metadata = object.metadata;
    if (!metadata.name && !metadata.generateName) {
      throw invalid(definition.group, definition.kind, '', [{ type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' }]);
    }
    if (definition.namespaced && !metadata.namespace) metadata.namespace = 'default';
    for (const field of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'selfLink'] as const) {
      delete metadata[field];
    }
    metadata.uid = randomUUID();
    metadata.creationTimestamp = timestamp(this.now());
    if (definition.generationTracksSpec) metadata.generation = 1;
    // The name is known before defaulting: a Job's generated selector labels carry it.
    const generated = !metadata.name;
    if (generated) metadata.name = generateName(metadata.generateName ?? '');
    definition.strategy.prepareForCreate?.(object);
    definition.strategy.defaults?.(object);
    this.validateCreate(definition, object);
    warnings.push(...(definition.strategy.warnings?.(object) ?? []));
    if (definition.namespaced) await admitNamespace(this, definition, metadata.namespace ?? '', 'create');
    await this.admit(definition, object, undefined);
    if (!options.managedFieldsDone) object = this.trackFields(definition, undefined, object, options, undefined);
    if (options.dryRun) return { object, warnings };
    for (let attempt = 0; ; attempt++) {
      try {
        const stored = await this.store.create(objectKey(definition, metadata.namespace, metadata.name ?? ''), encodeForStore(object));
        return { object: this.withTypeMeta(definition, decodeStored(definition, stored)), warnings };
      } catch (error: unknown) {
        if (error instanceof StoreError && error.code === 'KeyExists') {
          if (generated && attempt < 8) {
            metadata.name = generateName(metadata.generateName ?? '');
            continue;
          }
          throw alreadyExists(this.gr(definition), metadata.name ?? '');
        }
        throw error;
      }
    }
  }

  private async admit(definition: ResourceDefinition, object: KubeObject, old: KubeObject | undefined): Promise<void> {
    const errors = (await this.options.admit?.(this, definition, object, old)) ?? [];
    if (errors.length) throw invalid(definition.group, definition.kind, object.metadata.name ?? '', errors);
  }

  trackFields(definition: ResourceDefinition, live: KubeObject | undefined, updated: KubeObject, options: WriteOptions, subresource: string | undefined): KubeObject {
    if (!this.options.trackManagedFields) return updated;
    const manager = options.fieldManager ?? defaultManager(options);
    return this.options.trackManagedFields(definition, live, updated, manager, subresource);
  }

  /**
   * Writes a new version of an object whose current state is `old` (read at `revision`).
   * Runs update preparation and validation; finishes deletion when the last finalizer goes.
   */
  async writeUpdate(
    definition: ResourceDefinition,
    old: KubeObject,
    revision: number,
    incoming: KubeObject,
    options: WriteOptions,
    subresource: string | undefined,
    managedFieldsDone = options.managedFieldsDone ?? false,
  ): Promise<WriteResult> {
    let object = incoming;
    const warnings = this.fieldWarnings(definition, object, options);
    const metadata = object.metadata;
    // Fields only the server writes are carried over from the stored object.
    for (const field of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
      if (old.metadata[field] === undefined) delete metadata[field];
      else (metadata as Record<string, unknown>)[field] = old.metadata[field];
    }
    const partial = subresource ? definition.partialSubresources?.[subresource] : undefined;
    if (partial) {
      object = partial(object, old);
    } else if (subresource === 'status') {
      if (definition.strategy.prepareForStatusUpdate) definition.strategy.prepareForStatusUpdate(object, old);
      else object = carryAllButStatus(object, old);
    } else {
      definition.strategy.prepareForUpdate?.(object, old);
    }
    definition.strategy.defaults?.(object);
    if (definition.generationTracksSpec && subresource !== 'status' && specFingerprint(object) !== specFingerprint(old)) {
      object.metadata.generation = (old.metadata.generation ?? 1) + 1;
    }
    if (old.metadata.deletionTimestamp) {
      // Once deleting, finalizers may only be removed.
      const added = (object.metadata.finalizers ?? []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
      if (added.length) {
        throw invalid(definition.group, definition.kind, old.metadata.name ?? '', [
          { type: 'FieldValueForbidden', field: 'metadata.finalizers', detail: `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => `"${f}"`).join(', ')}}` },
        ]);
      }
    }
    this.validateUpdate(definition, object, old, subresource);
    if (subresource === undefined) await this.admit(definition, object, old);
    warnings.push(...(definition.strategy.warnings?.(object, old) ?? []));
    if (!managedFieldsDone) object = this.trackFields(definition, old, object, options, subresource);
    if (options.dryRun) return { object: this.withTypeMeta(definition, object), warnings };
    const key = objectKey(definition, old.metadata.namespace, old.metadata.name ?? '');
    const finished = Boolean(object.metadata.deletionTimestamp) && (object.metadata.finalizers ?? []).length === 0 &&
      !(object.metadata.deletionGracePeriodSeconds ?? 0) && !definition.strategy.deletionBlocked?.(object);
    try {
      if (finished) {
        const removed = await this.store.delete(key, revision);
        return { object: this.withTypeMeta(definition, decodeStored(definition, removed)), warnings };
      }
      const stored = await this.store.update(key, encodeForStore(object), revision);
      return { object: this.withTypeMeta(definition, decodeStored(definition, stored)), warnings };
    } catch (error: unknown) {
      if (error instanceof StoreError && error.code === 'Conflict') throw conflict(this.gr(definition), old.metadata.name ?? '');
      if (error instanceof StoreError && error.code === 'KeyNotFound') throw notFound(this.gr(definition), old.metadata.name ?? '');
      throw error;
    }
  }

  /** PUT: replaces an object; a resourceVersion in the body makes it conditional. */
  async update(definition: ResourceDefinition, namespace: string | undefined, name: string, body: unknown, options: WriteOptions = {}, subresource?: string): Promise<WriteResult> {
    const object = this.checkBody(definition, body, namespace, name);
    const current = await this.read(definition, namespace, name);
    if (!current) throw notFound(this.gr(definition), name);
    const wanted = object.metadata.resourceVersion;
    if (wanted !== undefined && wanted !== '' && wanted !== current.object.metadata.resourceVersion) {
      throw conflict(this.gr(definition), name);
    }
    if (wanted !== undefined && wanted !== '' && !/^\d+$/.test(wanted)) {
      throw badRequest(`invalid resourceVersion "${wanted}"`);
    }
    return this.writeUpdate(definition, current.object, current.stored.revision, object, options, subresource);
  }

  /**
   * Read-modify-write with retries on conflict: `mutate` receives a copy of the current object
   * and returns the desired one. Used by patch, scale and internal writers.
   */
  async guaranteedUpdate(
    definition: ResourceDefinition,
    namespace: string | undefined,
    name: string,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    options: WriteOptions = {},
    subresource?: string,
    managedFieldsDone = false,
  ): Promise<WriteResult> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.read(definition, namespace, name);
      if (!current) throw notFound(this.gr(definition), name);
      const desired = await mutate(cloneObject(current.object));
      try {
        return await this.writeUpdate(definition, current.object, current.stored.revision, desired, options, subresource, managedFieldsDone);
      } catch (error: unknown) {
        const isConflict = error instanceof StatusError && error.code === 409 && error.reason === 'Conflict';
        // Like kube-apiserver's GuaranteedUpdate, retry from a fresh read; bounded so a livelock ends.
        if (!isConflict || attempt >= 50) throw error;
        await settle(attempt);
      }
    }
  }
}

/**
 * Before retrying a conflicting write: reads see committed data only, so a write still
 * waiting for its group commit conflicts until that commit lands (after this turn of the
 * event loop); later attempts back off a little more.
 */
export function settle(attempt: number): Promise<void> {
  return new Promise((resolve) => (attempt === 0 ? setImmediate(resolve) : setTimeout(resolve, Math.min(2 ** attempt, 10))));
}

/** The field manager Kubernetes records when a client names none (from its user agent; we use the user). */
function defaultManager(options: WriteOptions): string {
  return options.user?.name ?? 'unknown';
}

/** A status write keeps everything of the stored object but status (ResetObjectMetaForStatus). */
function carryAllButStatus(incoming: KubeObject, old: KubeObject): KubeObject {
  const result = cloneObject(old);
  result.status = incoming.status;
  result.metadata.managedFields = incoming.metadata.managedFields ?? old.metadata.managedFields;
  return result;
}

/** generateName plus five random characters, as names.SimpleNameGenerator. */
export function generateName(base: string): string {
  const prefix = base.length > 58 ? base.slice(0, 58) : base;
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += generateNameAlphabet[Math.floor(Math.random() * generateNameAlphabet.length)];
  return prefix + suffix;
}
