import { webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** PEM files of the cluster's TLS identity, all under `<dataDir>/tls`. */
export interface ClusterCertificates {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
}

const files: Record<keyof ClusterCertificates, string> = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  servingCert: 'serving.crt',
  servingKey: 'serving.key',
  adminCert: 'admin.crt',
  adminKey: 'admin.key',
};

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const tenYears = 10 * 365 * 24 * 3600 * 1000;

/**
 * Loads the CA, serving and admin certificates from `<dataDir>/tls`, creating them on first
 * start (ECDSA P-256; @peculiar/x509 is only loaded then, to keep later starts fast).
 */
export async function ensureCertificates(dataDir: string, extraNames: string[] = []): Promise<ClusterCertificates> {
  const dir = join(dataDir, 'tls');
  if (Object.values(files).every((f) => existsSync(join(dir, f)))) {
    const entries = await Promise.all(Object.entries(files).map(async ([k, f]) => [k, await readFile(join(dir, f), 'utf8')] as const));
    return Object.fromEntries(entries) as unknown as ClusterCertificates;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const generated = await generate(extraNames);
  for (const [k, f] of Object.entries(files)) {
    await writeFile(join(dir, f), generated[k as keyof ClusterCertificates], { mode: k.endsWith('Key') ? 0o600 : 0o644 });
  }
  return generated;
}

async function generate(extraNames: string[]): Promise<ClusterCertificates> {
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const subtle = webcrypto.subtle;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + tenYears);
  const pemKey = async (key: CryptoKey): Promise<string> => x509.PemConverter.encode(await subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
  const serial = (): string => Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');

  const caKeys = (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=litekube-ca@${Math.floor(Date.now() / 1000)}`,
    notBefore,
    notAfter,
    signingAlgorithm: algorithm,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const leaf = async (subject: string, usage: string, names: Array<{ type: 'dns' | 'ip'; value: string }>) => {
    const keys = (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
    const extensions: import('@peculiar/x509').Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([usage]),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ];
    if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names));
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject,
      issuer: ca.subject,
      notBefore,
      notAfter,
      signingAlgorithm: algorithm,
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      extensions,
    });
    return { cert: cert.toString('pem'), key: await pemKey(keys.privateKey) };
  };

  const dnsNames = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', hostname(), ...extraNames.filter((n) => !/^[\d.:]+$/.test(n))];
  const ips = ['127.0.0.1', '::1', '10.43.0.1', ...extraNames.filter((n) => /^[\d.:]+$/.test(n))];
  const serving = await leaf('CN=kube-apiserver', x509.ExtendedKeyUsage.serverAuth, [
    ...[...new Set(dnsNames)].map((value) => ({ type: 'dns' as const, value })),
    ...[...new Set(ips)].map((value) => ({ type: 'ip' as const, value })),
  ]);
  const admin = await leaf('CN=system:admin, O=system:masters', x509.ExtendedKeyUsage.clientAuth, []);
  return {
    caCert: ca.toString('pem'),
    caKey: await pemKey(caKeys.privateKey),
    servingCert: serving.cert,
    servingKey: serving.key,
    adminCert: admin.cert,
    adminKey: admin.key,
  };
}
