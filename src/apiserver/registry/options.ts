import type { Registry } from './engine.js';
import type { FieldError, KubeObject, ResourceDefinition } from '../../api/types.js';
import type { Store } from '../../storage/types.js';

/** Who makes a request: every component has its own identity from the start. */
export interface RequestUser {
  name: string;
  groups: string[];
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** Options every write takes (query parameters of create/update/patch). */
export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: FieldValidation;
  user?: RequestUser;
  /** Internal: managedFields were already computed (server-side apply). */
  managedFieldsDone?: boolean;
}

export interface DeleteOptions {
  dryRun?: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  user?: RequestUser;
}

export interface ListOptions {
  /** Items as JSON text (ListPage.itemsJson) when no selector filters them. */
  asJson?: boolean;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

/** The result of a write: the stored object and warnings for the client. */
export interface WriteResult {
  object: KubeObject;
  warnings: string[];
}

/** What a registry needs besides the store; hooks that other packages provide. */
export interface RegistryOptions {
  store: Store;
  resources: ResourceDefinition[];
  /** Injected so tests control time. */
  now?: () => Date;
  /** Unknown fields of an object per its OpenAPI schema (for fieldValidation). */
  unknownFields?: (definition: ResourceDefinition, object: KubeObject) => string[];
  /** Generic metadata validation (names, labels, annotations). */
  validateMetadata?: (definition: ResourceDefinition, object: KubeObject) => FieldError[];
  validateMetadataUpdate?: (definition: ResourceDefinition, object: KubeObject, old: KubeObject) => FieldError[];
  /** Whether a garbage collector honours the orphan and foregroundDeletion finalizers. */
  garbageCollector?: boolean;
  /** Admission after validation, before storing (e.g. allocating Service addresses); may change the object. */
  admit?: (registry: Registry, definition: ResourceDefinition, object: KubeObject, old: KubeObject | undefined) => Promise<FieldError[]>;
  /** Records managedFields for a non-apply write. */
  trackManagedFields?: (definition: ResourceDefinition, live: KubeObject | undefined, updated: KubeObject, manager: string, subresource: string | undefined) => KubeObject;
}
