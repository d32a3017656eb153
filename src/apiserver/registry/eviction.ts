/**
 * POST pods/{name}/eviction (kube-apiserver's EvictionREST): deletes a pod unless that would
 * break the PodDisruptionBudget covering it. The budget is spent by decrementing
 * status.disruptionsAllowed with optimistic concurrency before the pod is deleted, so two
 * concurrent evictions cannot both spend the last allowed disruption.
 */
import type { KubeObject, ResourceDefinition } from '../../api/types.js';
import { selectorIsEmpty, selectorMatches } from '../../api/validation/selector.js';
import { badRequest, forbidden, internalError, StatusError, type StatusBody } from '../errors.js';
import { deleteObject } from './deletion.js';
import type { Registry } from './engine.js';
import { listObjects } from './list.js';
import { isRecord, timestamp } from './objects.js';
import type { DeleteOptions } from './options.js';

/** kube's MaxDisruptedPodSize: evictions the controller has not confirmed yet, per budget. */
const maxDisruptedPods = 2000;

const budgetMessage = "Cannot evict pod as it would violate the pod's disruption budget.";

interface BudgetStatus {
  observedGeneration?: number;
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  expectedPods?: number;
  disruptedPods?: Record<string, string>;
  conditions?: Array<Record<string, unknown>>;
}

function statusOf(object: KubeObject): BudgetStatus {
  return isRecord(object.status) ? (object.status as BudgetStatus) : {};
}

function specOf(object: KubeObject): Record<string, unknown> {
  return isRecord(object.spec) ? object.spec : {};
}

/** 429 with a DisruptionBudget cause, as kube's eviction answers a spent budget. */
function budgetError(cause: string, retryAfterSeconds: number): StatusError {
  const details: NonNullable<StatusBody['details']> = { causes: [{ reason: 'DisruptionBudget', message: cause }] };
  // Go omits a zero retryAfterSeconds.
  if (retryAfterSeconds > 0) details.retryAfterSeconds = retryAfterSeconds;
  return new StatusError(429, 'TooManyRequests', budgetMessage, details);
}

/** Phases where the pod no longer counts towards a budget (or never did): evicted without a check. */
function canIgnoreBudget(pod: KubeObject): boolean {
  if (pod.metadata.deletionTimestamp) return true;
  const phase = isRecord(pod.status) ? pod.status.phase : undefined;
  return phase === 'Pending' || phase === 'Succeeded' || phase === 'Failed';
}

function isPodReady(pod: KubeObject): boolean {
  const conditions = isRecord(pod.status) && Array.isArray(pod.status.conditions) ? pod.status.conditions : [];
  return conditions.some((c) => isRecord(c) && c.type === 'Ready' && c.status === 'True');
}

/** The budgets of the pod's namespace selecting it; a nil or empty selector matches nothing here (as kube's eviction). */
async function budgetsFor(registry: Registry, pod: KubeObject): Promise<KubeObject[]> {
  const definition = registry.definitionFor('policy', 'PodDisruptionBudget');
  if (!definition) return [];
  const page = await listObjects(registry, definition, pod.metadata.namespace);
  const labels = pod.metadata.labels ?? {};
  return page.items.filter((pdb) => {
    const selector = specOf(pdb).selector;
    return isRecord(selector) && !selectorIsEmpty(selector) && selectorMatches(selector, labels);
  });
}

/** Spends one disruption of the budget (checkAndDecrement), retried on conflict by guaranteedUpdate. */
async function spendDisruption(registry: Registry, pdb: KubeObject, podName: string, options: DeleteOptions): Promise<void> {
  const definition = registry.definitionFor('policy', 'PodDisruptionBudget');
  if (!definition) return;
  await registry.guaranteedUpdate(definition, pdb.metadata.namespace, pdb.metadata.name ?? '', (current) => {
    const name = current.metadata.name ?? '';
    const status = { ...statusOf(current) };
    if ((status.observedGeneration ?? 0) < (current.metadata.generation ?? 1)) {
      throw budgetError(`The disruption budget ${name} is still being processed by the server.`, 10);
    }
    const allowed = status.disruptionsAllowed ?? 0;
    if (allowed < 0) throw forbidden(registry.gr(definition), name, 'pdb disruptions allowed is negative');
    if (Object.keys(status.disruptedPods ?? {}).length > maxDisruptedPods) {
      throw forbidden(registry.gr(definition), name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
    }
    if (allowed === 0) {
      throw budgetError(`The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`, 0);
    }
    status.disruptionsAllowed = allowed - 1;
    if (status.disruptionsAllowed === 0) status.conditions = insufficientCondition(status.conditions ?? [], registry.now(), current.metadata.generation);
    status.disruptedPods = { ...(status.disruptedPods ?? {}), [podName]: timestamp(registry.now()) };
    return { ...current, status };
  }, { dryRun: options.dryRun, user: options.user, fieldManager: 'kube-apiserver' }, 'status');
}

/** pdbhelper.UpdateDisruptionAllowedCondition once the last disruption is spent. */
function insufficientCondition(conditions: Array<Record<string, unknown>>, now: Date, generation: number | undefined): Array<Record<string, unknown>> {
  const existing = conditions.find((c) => c.type === 'DisruptionAllowed');
  if (existing?.status === 'False' && existing.reason === 'InsufficientPods') return conditions;
  const condition = { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: generation ?? 1, lastTransitionTime: timestamp(now) };
  return [...conditions.filter((c) => c.type !== 'DisruptionAllowed'), condition];
}

/**
 * Evicts `name`: `body` is the decoded Eviction, `options` the delete options taken from its
 * deleteOptions and the query. Resolves once the pod deletion was accepted.
 */
export async function evictPod(registry: Registry, podDefinition: ResourceDefinition, namespace: string | undefined, name: string, body: unknown, options: DeleteOptions): Promise<void> {
  if (!isRecord(body)) throw badRequest('the body of the request must be an Eviction object');
  if (body.kind !== undefined && body.kind !== 'Eviction') throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (Eviction)`);
  const metadata = isRecord(body.metadata) ? body.metadata : {};
  if (typeof metadata.name === 'string' && metadata.name !== '' && metadata.name !== name) throw badRequest('name in URL does not match name in Eviction object');
  const pod = await registry.get(podDefinition, namespace, name);
  const remove = async (): Promise<void> => {
    await deleteObject(registry, podDefinition, namespace, name, options);
  };
  // A finished, unstarted or terminating pod already is (or never was) a disruption.
  if (canIgnoreBudget(pod)) return remove();
  const budgets = await budgetsFor(registry, pod);
  if (budgets.length > 1) throw internalError('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  if (budgets.length === 0) return remove();
  const pdb = budgets[0];
  const status = statusOf(pdb);
  // unhealthyPodEvictionPolicy: an unready pod does not spend the budget (AlwaysAllow; IfHealthyBudget while the budget is met).
  if (!isPodReady(pod)) {
    const policy = specOf(pdb).unhealthyPodEvictionPolicy;
    const healthyEnough = (status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0) && (status.desiredHealthy ?? 0) > 0;
    if (policy === 'AlwaysAllow' || healthyEnough) return remove();
  }
  await spendDisruption(registry, pdb, name, options);
  await remove();
}
