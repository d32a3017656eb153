/**
 * Service account tokens as kube-apiserver issues them: ES256 JWTs whose claims are upstream's
 * (pkg/serviceaccount/claims.go): iss, sub `system:serviceaccount:NS:NAME`, aud, exp, iat, nbf,
 * jti and the private `kubernetes.io` claim naming the namespace, the service account and the
 * object the token is bound to. Signature and time checks live here; whether the named objects
 * still exist is the authenticator's business.
 */
import { randomUUID } from 'node:crypto';
import type { importPKCS8 } from 'jose';
import { ensureServiceAccountKey } from '../pki/service-account-key.js';

/** kube-apiserver's --service-account-issuer on kubeadm, kind and k3s clusters. */
export const defaultIssuer = 'https://kubernetes.default.svc.cluster.local';

/** go-jose's jwt.DefaultLeeway: clocks may disagree by this much. */
const leewaySeconds = 60;

/** A name and uid, as the `kubernetes.io` claim refers to objects. */
export interface ObjectClaim {
  name: string;
  uid: string;
}

/** The private claim under `kubernetes.io`. */
export interface KubernetesClaim {
  namespace: string;
  serviceaccount: ObjectClaim;
  pod?: ObjectClaim;
  secret?: ObjectClaim;
  /** Seconds since the epoch after which use is only warned about (pod-bound tokens with extended expiry). */
  warnafter?: number;
}

/** Every claim of a service account token. */
export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti?: string;
  'kubernetes.io': KubernetesClaim;
}

/** Why a token of ours was refused (the answer is a plain 401; the reason goes to the log). */
export class TokenInvalid extends Error {}

/** `system:serviceaccount:NS:NAME`, the user a service account authenticates as. */
export const serviceAccountUsername = (namespace: string, name: string): string => `system:serviceaccount:${namespace}:${name}`;

/** The claims of a new token, as upstream's token.Claims builds them. */
export function tokenClaims(options: {
  issuer: string;
  audiences: string[];
  now: Date;
  expirationSeconds: number;
  warnAfterSeconds?: number;
  namespace: string;
  serviceAccount: ObjectClaim;
  pod?: ObjectClaim;
  secret?: ObjectClaim;
}): ServiceAccountClaims {
  const issuedAt = Math.floor(options.now.getTime() / 1000);
  const kubernetes: KubernetesClaim = { namespace: options.namespace, serviceaccount: options.serviceAccount };
  if (options.pod) kubernetes.pod = options.pod;
  if (options.secret) kubernetes.secret = options.secret;
  if (options.warnAfterSeconds) kubernetes.warnafter = issuedAt + options.warnAfterSeconds;
  return {
    iss: options.issuer,
    sub: serviceAccountUsername(options.namespace, options.serviceAccount.name),
    aud: options.audiences,
    exp: issuedAt + options.expirationSeconds,
    iat: issuedAt,
    nbf: issuedAt,
    jti: randomUUID(),
    'kubernetes.io': kubernetes,
  };
}

type Key = Awaited<ReturnType<typeof importPKCS8>>;
interface Keys {
  jose: typeof import('jose');
  signing: Key;
  verifying: Key;
  keyId: string;
}

/**
 * The API server's token issuer and verifier: one signing key under the data dir's tls/
 * folder, one issuer, and the audiences the API server itself accepts (its issuer, as
 * --api-audiences defaults to).
 */
export class ServiceAccountTokens {
  readonly issuer: string;
  readonly audiences: string[];
  private dataDir?: string;
  // jose and the parsed keys are loaded at the first token, not at start: most starts see none.
  private keys?: Promise<Keys>;

  constructor(options: { issuer?: string; audiences?: string[] } = {}) {
    this.issuer = options.issuer ?? defaultIssuer;
    this.audiences = options.audiences ?? [this.issuer];
  }

  /** Checks (or on first start creates) the signing key, so a broken one stops the start. */
  async load(dataDir: string): Promise<void> {
    await ensureServiceAccountKey(dataDir);
    this.dataDir = dataDir;
  }

  private loaded(): Promise<Keys> {
    const dataDir = this.dataDir;
    if (!dataDir) return Promise.reject(new Error('Cannot use service account tokens: the signing key is not loaded'));
    this.keys ??= (async () => {
      const jose = await import('jose');
      const key = await ensureServiceAccountKey(dataDir);
      return { jose, signing: await jose.importPKCS8(key.privateKeyPem, 'ES256'), verifying: await jose.importSPKI(key.publicKeyPem, 'ES256'), keyId: key.keyId };
    })();
    return this.keys;
  }

  /** Signs the claims into a compact JWS (header `{"alg":"ES256","kid":…}`). */
  async sign(claims: ServiceAccountClaims): Promise<string> {
    const keys = await this.loaded();
    // SignJWT takes the payload as given: our numeric dates and the array audience are kept.
    return new keys.jose.SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256', kid: keys.keyId }).sign(keys.signing);
  }

  /**
   * The claims of a token this issuer signed and that is valid at `now`; undefined for a token
   * that is not ours (another issuer, or not a JWT), TokenInvalid for one of ours that fails.
   */
  async verify(token: string, now: Date): Promise<ServiceAccountClaims | undefined> {
    const keys = await this.loaded();
    let unverified: Record<string, unknown>;
    try {
      unverified = keys.jose.decodeJwt(token);
    } catch {
      return undefined;
    }
    if (unverified.iss !== this.issuer) return undefined;
    let payload: Uint8Array;
    try {
      payload = (await keys.jose.compactVerify(token, keys.verifying, { algorithms: ['ES256'] })).payload;
    } catch (error: unknown) {
      throw new TokenInvalid(`service account token signature could not be verified: ${error instanceof Error ? error.message : String(error)}`);
    }
    const claims = JSON.parse(Buffer.from(payload).toString('utf8')) as Partial<ServiceAccountClaims>;
    checkTimes(claims, Math.floor(now.getTime() / 1000));
    const kubernetes = claims['kubernetes.io'];
    if (!kubernetes || typeof kubernetes.namespace !== 'string' || typeof kubernetes.serviceaccount?.name !== 'string') {
      throw new TokenInvalid('service account token has no kubernetes.io claim');
    }
    // A token without audiences is a legacy one: only the API server's audiences apply (upstream's implicitAuds).
    const audiences = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) && claims.aud.length ? claims.aud : this.audiences;
    if (!audiences.some((a) => this.audiences.includes(a))) {
      throw new TokenInvalid(`token audiences ${JSON.stringify(audiences)} is invalid for the target audiences ${JSON.stringify(this.audiences)}`);
    }
    return { ...claims, aud: audiences } as ServiceAccountClaims;
  }
}

/** go-jose's Claims.Validate with a time and the default leeway, worded as upstream's validator. */
function checkTimes(claims: Partial<ServiceAccountClaims>, now: number): void {
  if (typeof claims.nbf === 'number' && now + leewaySeconds < claims.nbf) throw new TokenInvalid('service account token is not valid yet');
  if (typeof claims.exp === 'number' && now - leewaySeconds > claims.exp) throw new TokenInvalid('service account token has expired');
  if (typeof claims.iat === 'number' && now + leewaySeconds < claims.iat) throw new TokenInvalid('service account token is issued in the future');
}
