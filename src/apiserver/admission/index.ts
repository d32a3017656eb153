/**
 * The admission chain in kube-apiserver's order for the plugins we have: Priority, LimitRanger (which
 * defaults requests and limits first, so quota sees them), ServiceAccount, DefaultStorageClass (so
 * quota sees a claim's class), StorageObjectInUseProtection, then ResourceQuota, then the Service address allocator.
 * LimitRanger and ResourceQuota refuse with a 403 StatusError, which the
 * engine passes through; the allocator's field errors come back as a 422.
 */
import type { FieldError, KubeObject, ResourceDefinition } from '../../api/types.js';
import type { Registry } from '../registry/engine.js';
import { admitDefaultStorageClass } from './default-storage-class.js';
import { admitStorageObjectInUseProtection } from './storage-object-in-use.js';
import { admitLimitRanges } from './limit-range.js';
import { admitPriority } from './priority.js';
import { ResourceQuotaAdmission } from './resource-quota.js';
import { ServiceAddressAllocator } from './service-addresses.js';
import { ServiceAccountAdmission } from './service-account.js';

export { ResourceQuotaAdmission } from './resource-quota.js';
export { admitLimitRanges } from './limit-range.js';

/** Which optional plugins run (all by default). */
export interface AdmissionPlugins {
  serviceAccount?: boolean;
}

export class AdmissionChain {
  readonly quota = new ResourceQuotaAdmission();
  readonly serviceAccounts?: ServiceAccountAdmission;

  constructor(readonly addresses: ServiceAddressAllocator = new ServiceAddressAllocator(), plugins: AdmissionPlugins = {}) {
    if (plugins.serviceAccount !== false) this.serviceAccounts = new ServiceAccountAdmission();
  }

  async admit(registry: Registry, definition: ResourceDefinition, object: KubeObject, old: KubeObject | undefined): Promise<FieldError[]> {
    await admitPriority(registry, definition, object, old);
    await admitLimitRanges(registry, definition, object, old);
    await this.serviceAccounts?.admit(registry, definition, object, old);
    await admitDefaultStorageClass(registry, definition, object, old);
    admitStorageObjectInUseProtection(definition, object, old);
    await this.quota.admit(registry, definition, object, old);
    // Refused after quota charged it: the charge must not linger.
    const errors = await this.addresses.admit(registry, definition, object, old).catch((error: unknown) => {
      this.quota.forget(object);
      throw error;
    });
    if (errors.length) this.quota.forget(object);
    return errors;
  }
}
