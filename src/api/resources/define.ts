import type { ResourceDefinition, ResourceStrategy } from '../types.js';
import { kindStrategies } from '../validation/index.js';
import { composeStrategies, statusSubresource } from '../strategy/compose.js';
import { createdAtTable } from '../printing/workloads.js';

type Definition = Omit<ResourceDefinition, 'strategy' | 'singular'> & { singular?: string; strategy?: Partial<ResourceStrategy> };

/** Builds a definition: generic status handling, then the kind's own strategy, then validation. */
export function define(d: Definition): ResourceDefinition {
  const validation = kindStrategies[`${d.group || 'core'}/${d.kind}`];
  return {
    ...d,
    singular: d.singular ?? d.kind.toLowerCase(),
    table: d.table ?? createdAtTable,
    strategy: composeStrategies(d.hasStatus ? statusSubresource : undefined, d.strategy, validation),
  };
}
