import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The key service account tokens are signed with (kube-apiserver's --service-account-signing-key-file). */
export interface ServiceAccountKey {
  /** PKCS#8 PEM of the ECDSA P-256 private key. */
  privateKeyPem: string;
  /** SPKI PEM of its public key (what --service-account-key-file would hold). */
  publicKeyPem: string;
  /** The JWS `kid`: unpadded base64url of the SHA-256 of the DER public key, as upstream's keyIDFromPublicKey. */
  keyId: string;
}

/** `<dataDir>/tls/service-account.key`: kept with the cluster's other keys, so tokens survive restarts. */
export const serviceAccountKeyFile = (dataDir: string): string => join(dataDir, 'tls', 'service-account.key');

/** Loads the signing key, creating it (mode 0600) on first start. */
export async function ensureServiceAccountKey(dataDir: string): Promise<ServiceAccountKey> {
  const path = serviceAccountKeyFile(dataDir);
  let privateKeyPem: string;
  if (existsSync(path)) {
    privateKeyPem = await readFile(path, 'utf8');
  } else {
    await mkdir(join(dataDir, 'tls'), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    privateKeyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    // Written aside and renamed: a crash never leaves half a key that would fail every later start.
    await writeFile(`${path}.tmp`, privateKeyPem, { mode: 0o600 });
    await rename(`${path}.tmp`, path);
  }
  const publicKey = createPublicKey(createPrivateKey(privateKeyPem));
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return {
    privateKeyPem,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    keyId: createHash('sha256').update(der).digest('base64url'),
  };
}
