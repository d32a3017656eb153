import type { KubeObject, ResourceDefinition } from '../../api/types.js';
import { badRequest, conflict, invalid, methodNotAllowed } from '../errors.js';
import { formatLabelSelector, selectorFromObject, type LabelSelectorObject } from '../selectors.js';
import { isRecord, readPath, writePath } from '../registry/objects.js';
import { decodeBody, readBody } from './body.js';
import type { ResourceCall } from './context.js';
import { applyPatchToDocument } from './patch.js';
import { writeOptions } from './query.js';
import { sendJson } from './respond.js';

/** The autoscaling/v1 Scale view of a scalable object. */
export function scaleOf(definition: ResourceDefinition, object: KubeObject): KubeObject {
  const scale = definition.scale;
  if (!scale) throw methodNotAllowed('scale is not supported on this resource');
  const selector = scale.labelSelectorPath ? readPath(object, scale.labelSelectorPath) : undefined;
  const status: Record<string, unknown> = { replicas: Number(readPath(object, scale.statusReplicasPath) ?? 0) };
  if (isRecord(selector)) status.selector = formatLabelSelector(selectorFromObject(selector as LabelSelectorObject));
  else if (typeof selector === 'string') status.selector = selector;
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: Number(readPath(object, scale.specReplicasPath) ?? 0) },
    status,
  };
}

/** GET, PUT and PATCH on `<resource>/scale`: only spec.replicas of the object changes. */
export async function handleScale(call: ResourceCall): Promise<void> {
  const { definition, info, context } = call;
  const registry = context.registry;
  const name = info.name ?? '';
  if (info.verb === 'get') {
    const object = await registry.get(definition, info.namespace, name);
    sendJson(call.response, 200, scaleOf(definition, object));
    return;
  }
  if (info.verb !== 'update' && info.verb !== 'patch') throw methodNotAllowed('the server does not allow this method on the requested resource');
  const raw = await readBody(call.request);
  const options = { ...writeOptions(call.query), user: call.user };
  const verb = info.verb;
  const body = verb === 'update' ? await decodeBody(call.request.headers['content-type'], raw) : undefined;
  const result = await registry.guaranteedUpdate(definition, info.namespace, name, async (current) => {
    const currentScale = scaleOf(definition, current);
    const desired = verb === 'update'
      ? body
      : await applyPatchToDocument(call, currentScale, raw, undefined);
    if (!isRecord(desired)) throw badRequest('the body of the request must be a Scale object');
    const desiredScale = desired as KubeObject;
    const wanted = isRecord(desiredScale.metadata) ? desiredScale.metadata.resourceVersion : undefined;
    if (typeof wanted === 'string' && wanted !== '' && wanted !== current.metadata.resourceVersion) throw conflict(registry.gr(definition), name);
    const replicas = isRecord(desiredScale.spec) ? desiredScale.spec.replicas : undefined;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw invalid('autoscaling', 'Scale', name, [{ type: 'FieldValueInvalid', field: 'spec.replicas', value: replicas, detail: 'must be greater than or equal to 0' }]);
    }
    writePath(current as Record<string, unknown>, definition.scale?.specReplicasPath ?? 'spec.replicas', replicas);
    return current;
  }, options, 'scale');
  sendJson(call.response, 200, scaleOf(definition, result.object), result.warnings);
}
