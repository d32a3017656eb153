/**
 * The service account token authenticator (upstream's jwtTokenAuthenticator and its
 * validator): a token signed by this API server, in its time window and for its audience, is
 * the service account's identity as long as the account, and the pod or secret the token is
 * bound to, still exist with the uids the token names.
 */
import type { Registry } from '../registry/engine.js';
import type { RequestUser } from '../registry/options.js';
import { serviceAccountUsername, TokenInvalid, type ObjectClaim, type ServiceAccountTokens } from './jwt.js';

/** go-jose's DefaultLeeway: objects deleted less than this long ago still count. */
const leewayMs = 60_000;

/** The groups every service account is in, before system:authenticated. */
export function serviceAccountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`];
}

/**
 * The user a bearer token authenticates as; undefined when the token is not one of ours,
 * TokenInvalid (with upstream's wording) when it is ours but no longer good.
 */
export async function authenticateServiceAccountToken(registry: Registry, tokens: ServiceAccountTokens, token: string): Promise<RequestUser | undefined> {
  const now = registry.now();
  const claims = await tokens.verify(token, now);
  if (!claims) return undefined;
  const { namespace, serviceaccount, pod, secret } = claims['kubernetes.io'];
  const invalidIfDeletedBefore = now.getTime() - leewayMs;
  const check = async (kind: 'ServiceAccount' | 'Pod' | 'Secret', ref: ObjectClaim): Promise<void> => {
    const definition = registry.definitionFor('', kind);
    const found = definition && (await registry.read(definition, namespace, ref.name));
    const what = kind === 'ServiceAccount' ? 'service account' : kind.toLowerCase();
    if (!found) throw new TokenInvalid(`${kind === 'ServiceAccount' ? 'serviceaccounts' : `${kind.toLowerCase()}s`} "${ref.name}" not found`);
    const deleted = found.object.metadata.deletionTimestamp;
    if (deleted && Date.parse(deleted) < invalidIfDeletedBefore) throw new TokenInvalid(`${what} ${namespace}/${ref.name} has been deleted`);
    if (found.object.metadata.uid !== ref.uid) {
      throw new TokenInvalid(`${kind === 'ServiceAccount' ? 'service account' : what} UID (${found.object.metadata.uid ?? ''}) does not match claim (${ref.uid})`);
    }
  };
  await check('ServiceAccount', serviceaccount);
  if (secret) await check('Secret', secret);
  if (pod) await check('Pod', pod);
  return { name: serviceAccountUsername(namespace, serviceaccount.name), groups: [...serviceAccountGroups(namespace), 'system:authenticated'] };
}
