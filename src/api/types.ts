/** Object metadata as Kubernetes' ObjectMeta (the fields the generic engine reads and writes). */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: 'FieldsV1';
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** Any API object: kind, apiVersion, metadata and free-form content. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Kubernetes' field.ErrorType, spelled as Status causes spell it. */
export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueDuplicate'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueNotFound'
  | 'InternalError';

/** One validation failure at a field path, like Kubernetes' field.Error. */
export interface FieldError {
  type: FieldErrorType;
  /** Path as Kubernetes prints it: `spec.containers[0].image`, `metadata.labels`. */
  field: string;
  /** The offending value (printed for Invalid, Duplicate, NotSupported, TooLong). */
  value?: unknown;
  /** Why, e.g. "must be no more than 63 characters". */
  detail?: string;
  /** For NotSupported: the allowed values. */
  supported?: string[];
}

/** A column of a server-side Table (meta.k8s.io/v1 TableColumnDefinition). */
export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description?: string;
  /** 0 shows always; higher priorities only with `-o wide`. */
  priority?: number;
}

/** How `kubectl get` prints a resource: the columns and one row's cells per object. */
export interface TableDefinition {
  columns: TableColumn[];
  /** Cells in column order; the first is normally the name. `now` is injected for ages. */
  cells(object: KubeObject, now: Date): unknown[];
}

/** Where a resource keeps the numbers the /scale subresource exposes (dotted paths). */
export interface ScaleDefinition {
  specReplicasPath: string;
  statusReplicasPath: string;
  /** Path of a label selector object (`spec.selector`) turned into the Scale's status.selector string. */
  labelSelectorPath?: string;
}

/**
 * Per-resource behaviour; every hook is optional and the generic engine supplies the
 * default. Hooks never throw for bad input: they return field errors.
 */
export interface ResourceStrategy {
  /** Fills defaults in place (runs on create, update and for every stored read of a patch base). */
  defaults?(object: KubeObject): void;
  /** Resets what a client may not set on create (e.g. status), in place. */
  prepareForCreate?(object: KubeObject): void;
  /** Carries over what a client may not change on update (e.g. status), in place. */
  prepareForUpdate?(object: KubeObject, old: KubeObject): void;
  validateCreate?(object: KubeObject): FieldError[];
  validateUpdate?(object: KubeObject, old: KubeObject): FieldError[];
  /** For writes through /status: carries over everything but status from old, in place. */
  prepareForStatusUpdate?(object: KubeObject, old: KubeObject): void;
  validateStatusUpdate?(object: KubeObject, old: KubeObject): FieldError[];
  /** Field values usable in field selectors beyond metadata.name and metadata.namespace. */
  selectableFields?(object: KubeObject): Record<string, string | undefined>;
  /** Warnings returned to the client (Warning header) for accepted but ignored input. */
  warnings?(object: KubeObject, old?: KubeObject): string[];
  /**
   * Graceful deletion: the grace period (seconds) to wait before the object is really
   * removed, given the one the client asked for. 0 or undefined deletes at once (unless
   * finalizers remain). Pods bound to a node wait for their kubelet.
   */
  deletionGracePeriod?(object: KubeObject, requested: number | undefined): number | undefined;
  /** Marks an object whose deletion begins (e.g. a namespace's phase Terminating), in place. */
  prepareForDeletion?(object: KubeObject): void;
  /** True while something besides metadata.finalizers holds deletion (a namespace's spec.finalizers). */
  deletionBlocked?(object: KubeObject): boolean;
}

/** A served resource: its names, scope, subresources, printing and strategy. */
export interface ResourceDefinition {
  /** '' for the core group. */
  group: string;
  version: string;
  kind: string;
  /** Lower-case plural, the URL segment: `pods`. */
  plural: string;
  /** Lower-case singular: `pod`. */
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Verbs advertised in discovery; the engine's default is the full set. */
  verbs?: string[];
  /** Serves /status with the status strategy. */
  hasStatus?: boolean;
  scale?: ScaleDefinition;
  /** Extra subresources served by dedicated handlers (e.g. `binding`, `eviction`, `log`). */
  extraSubresources?: Array<{ name: string; kind: string; group?: string; version?: string; verbs: string[] }>;
  /**
   * Writable subresources that change only part of the object (e.g. `namespaces/finalize`
   * changes spec.finalizers): given the incoming and stored object, the object to store.
   */
  partialSubresources?: Record<string, (incoming: KubeObject, old: KubeObject) => KubeObject>;
  /** Whether a spec change bumps metadata.generation (true for resources with spec). */
  generationTracksSpec?: boolean;
  table?: TableDefinition;
  strategy: ResourceStrategy;
}

/**
 * Patch metadata of one node of a type's schema, as strategic merge patch and
 * server-side apply need it (from x-kubernetes-patch-* and x-kubernetes-list-* extensions).
 */
export interface PatchSchema {
  shape: 'object' | 'list' | 'map' | 'primitive' | 'unknown';
  /** The schema of a named field of an object, or undefined when unknown. */
  field(name: string): PatchSchema | undefined;
  /** Lists: the item schema. Maps (additionalProperties): the value schema. */
  elements(): PatchSchema | undefined;
  /** x-kubernetes-patch-merge-key, e.g. `name` for containers. */
  patchMergeKey?: string;
  /** x-kubernetes-patch-strategy: `merge`, `replace`, `retainKeys`, `merge,retainKeys`. */
  patchStrategy?: string;
  /** x-kubernetes-list-type: `atomic`, `set` or `map`. */
  listType?: 'atomic' | 'set' | 'map';
  /** x-kubernetes-list-map-keys. */
  listMapKeys?: string[];
  /** x-kubernetes-map-type: `atomic` or `granular`. */
  mapType?: 'atomic' | 'granular';
}
