/**
 * POST serviceaccounts/{name}/token (kube-apiserver's TokenREST): issues a token for a service
 * account, optionally bound to a Pod or Secret, answered with the TokenRequest and its
 * status.token and status.expirationTimestamp.
 */
import type { FieldError, KubeObject } from '../../api/types.js';
import { invalidValue } from '../../api/validation/field-errors.js';
import { badRequest, conflict, invalid, StatusError } from '../errors.js';
import type { Registry } from '../registry/engine.js';
import { isRecord, timestamp } from '../registry/objects.js';
import { tokenClaims, type ObjectClaim, type ServiceAccountTokens } from './jwt.js';

const group = 'authentication.k8s.io';
const apiVersion = `${group}/v1`;

/** What pod-bound tokens of the default projected volume ask for (upstream's WarnOnlyBoundTokenExpirationSeconds). */
export const warnOnlyBoundTokenExpirationSeconds = 3607;
/** How long such tokens really last with --service-account-extend-token-expiration (upstream's default): a year. */
const extendedExpirationSeconds = 365 * 24 * 3600;
/** SetDefaults_TokenRequestSpec. */
const defaultExpirationSeconds = 3600;

/** ValidateTokenRequest: between ten minutes and 2^32 seconds. */
function validateExpiration(seconds: number): FieldError[] {
  if (seconds < 600) return [invalidValue('spec.expirationSeconds', seconds, 'may not specify a duration less than 10 minutes')];
  if (seconds > 2 ** 32) return [invalidValue('spec.expirationSeconds', seconds, 'may not specify a duration larger than 2^32 seconds')];
  return [];
}

/** `group/version, Kind=kind`, as Go prints a GroupVersionKind. */
function gvkText(apiVersionText: string, kind: string): string {
  const slash = apiVersionText.indexOf('/');
  const [g, v] = slash < 0 ? ['', apiVersionText] : [apiVersionText.slice(0, slash), apiVersionText.slice(slash + 1)];
  return `${g}/${v}, Kind=${kind}`;
}

/**
 * Creates a token for service account `name` in `namespace` from the TokenRequest `body`.
 * Errors are upstream's: 404 for a missing account or bound object, 422 for a bad duration,
 * 400 for an unsupported or mismatched bound object, 409 for a stale bound uid.
 */
export async function createTokenRequest(registry: Registry, tokens: ServiceAccountTokens, namespace: string, name: string, body: unknown): Promise<KubeObject> {
  if (!isRecord(body)) throw badRequest('the body of the request must be a TokenRequest object');
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersion) {
    throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersion})`);
  }
  if (body.kind !== undefined && body.kind !== 'TokenRequest') throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (TokenRequest)`);
  const metadata = isRecord(body.metadata) ? body.metadata : {};
  if (typeof metadata.name === 'string' && metadata.name !== '' && metadata.name !== name) {
    throw invalid(group, 'TokenRequest', name, [invalidValue('metadata.name', metadata.name, 'must match the service account name if specified')]);
  }
  if (typeof metadata.namespace === 'string' && metadata.namespace !== '' && metadata.namespace !== namespace) {
    throw invalid(group, 'TokenRequest', name, [invalidValue('metadata.namespace', metadata.namespace, 'must match the service account namespace if specified')]);
  }
  const serviceAccounts = registry.definitionFor('', 'ServiceAccount');
  const pods = registry.definitionFor('', 'Pod');
  const secrets = registry.definitionFor('', 'Secret');
  if (!serviceAccounts || !pods || !secrets) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  const serviceAccount = await registry.get(serviceAccounts, namespace, name);

  const spec = isRecord(body.spec) ? body.spec : {};
  const audiences = Array.isArray(spec.audiences) && spec.audiences.length ? spec.audiences.map(String) : tokens.audiences;
  const expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : defaultExpirationSeconds;
  const now = registry.now();
  const errors = validateExpiration(expirationSeconds);
  if (errors.length) throw invalid(group, 'TokenRequest', '', errors);

  let pod: ObjectClaim | undefined;
  let secret: ObjectClaim | undefined;
  const ref = isRecord(spec.boundObjectRef) ? spec.boundObjectRef : undefined;
  if (ref) {
    const refName = typeof ref.name === 'string' ? ref.name : '';
    const refApiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : '';
    const kind = typeof ref.kind === 'string' ? ref.kind : '';
    let bound: KubeObject;
    if ((refApiVersion === 'v1' || refApiVersion === '') && kind === 'Pod') {
      bound = await registry.get(pods, namespace, refName);
      const podAccount = isRecord(bound.spec) ? bound.spec.serviceAccountName : undefined;
      if (podAccount !== name) throw badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
      pod = { name: refName, uid: bound.metadata.uid ?? '' };
    } else if ((refApiVersion === 'v1' || refApiVersion === '') && kind === 'Secret') {
      bound = await registry.get(secrets, namespace, refName);
      secret = { name: refName, uid: bound.metadata.uid ?? '' };
    } else {
      throw badRequest(`cannot bind token to object of type ${gvkText(refApiVersion, kind)}`);
    }
    if (typeof ref.uid === 'string' && ref.uid !== '' && ref.uid !== bound.metadata.uid) {
      throw conflict({ group: '', resource: kind }, refName, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
  }

  // Pod-bound tokens of the default projected volume stay valid a year, only warning after
  // the hour they asked for, so clients that never re-read the file keep working (upstream's default).
  const kubeAudiences = audiences.every((a) => tokens.audiences.includes(a));
  const extended = pod !== undefined && expirationSeconds === warnOnlyBoundTokenExpirationSeconds && kubeAudiences;
  const claims = tokenClaims({
    issuer: tokens.issuer,
    audiences,
    now,
    expirationSeconds: extended ? extendedExpirationSeconds : expirationSeconds,
    warnAfterSeconds: extended ? expirationSeconds : undefined,
    namespace,
    serviceAccount: { name, uid: serviceAccount.metadata.uid ?? '' },
    pod,
    secret,
  });
  const token = await tokens.sign(claims);
  return {
    kind: 'TokenRequest',
    apiVersion,
    metadata: { name, namespace, creationTimestamp: timestamp(now) },
    spec: { audiences, expirationSeconds, boundObjectRef: ref ?? null },
    status: { token, expirationTimestamp: timestamp(new Date(now.getTime() + expirationSeconds * 1000)) },
  };
}
