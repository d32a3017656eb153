import { createSecureServer, type Http2SecureServer, type Http2Session } from 'node:http2';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { PatchSchema, ResourceDefinition } from '../api/types.js';
import type { Store } from '../storage/types.js';
import type { ApiContext, Logger, SubresourceHandler } from './http/context.js';
import { systemPriorityClasses } from './admission/priority.js';
import { kubernetesServiceIp } from './admission/service-addresses.js';
import { createRouter, type PathHandler } from './http/router.js';
import { serveUpgrade } from './http/upgrade.js';
import { ensureCertificates, type ClusterCertificates } from './pki/certificates.js';
import { writeKubeconfig } from './pki/kubeconfig.js';
import { Registry } from './registry/engine.js';
import { initialNamespaces } from './registry/namespaces.js';
import type { RegistryOptions } from './registry/options.js';
import { ServiceAccountTokens } from './serviceaccount/jwt.js';

/** Options of an API server; only dataDir and store are required. */
export interface ApiServerOptions {
  dataDir: string;
  store: Store;
  resources: ResourceDefinition[];
  /** TCP port; 0 picks a free one. Default 6443. */
  port?: number;
  /** Listen address. Default 127.0.0.1. */
  host?: string;
  log?: Logger;
  now?: () => Date;
  patchSchema?: (definition: ResourceDefinition) => PatchSchema | undefined;
  extraPaths?: PathHandler[];
  subresources?: Map<string, SubresourceHandler>;
  registry?: Omit<RegistryOptions, 'store' | 'resources' | 'now'>;
}

/** The running API server: its registry, address and admin kubeconfig. */
const apiserverUser = { name: 'system:apiserver', groups: ['system:masters'] };

export class ApiServer {
  readonly registry: Registry;
  readonly context: ApiContext;
  /** Service account tokens: signed with a key under `<dataDir>/tls`, loaded by start(). */
  readonly tokens = new ServiceAccountTokens();
  private server?: Http2SecureServer;
  private readonly sessions = new Set<Http2Session>();
  private readonly sockets = new Set<import('node:tls').TLSSocket>();
  private ready = false;
  url = '';
  kubeconfigPath = '';
  certificates?: ClusterCertificates;

  constructor(readonly options: ApiServerOptions) {
    if (!options.dataDir) throw new TypeError('Cannot create API server: dataDir is required');
    const now = options.now ?? (() => new Date());
    this.registry = new Registry({ ...options.registry, store: options.store, resources: options.resources, now });
    const byPath = new Map(options.resources.map((r) => [`${r.group}/${r.version}/${r.plural}`, r]));
    this.context = {
      registry: this.registry,
      resources: options.resources,
      findResource: (group, version, plural) => byPath.get(`${group}/${version}/${plural}`),
      patchSchema: options.patchSchema ?? (() => undefined),
      subresources: options.subresources ?? new Map(),
      log: options.log ?? (() => undefined),
      now,
      tokens: this.tokens,
    };
  }

  /** Creates the built-in namespaces and the `kubernetes` Service if they are missing. */
  async bootstrap(): Promise<void> {
    const namespaces = this.registry.definitionFor('', 'Namespace');
    if (!namespaces) return;
    for (const name of initialNamespaces) {
      if (await this.registry.read(namespaces, undefined, name)) continue;
      await this.registry.create(namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { user: apiserverUser });
    }
    const priorityClasses = this.registry.definitionFor('scheduling.k8s.io', 'PriorityClass');
    for (const system of priorityClasses ? systemPriorityClasses : []) {
      if (await this.registry.read(priorityClasses!, undefined, system.name)) continue;
      await this.registry.create(priorityClasses!, undefined, {
        apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: system.name }, value: system.value, description: system.description, preemptionPolicy: 'PreemptLowerPriority',
      }, { user: apiserverUser });
    }
    // The `kubernetes` Service in default, at the first address of the service CIDR, as every cluster has.
    const services = this.registry.definitionFor('', 'Service');
    if (services && !(await this.registry.read(services, 'default', 'kubernetes'))) {
      await this.registry.create(services, 'default', {
        apiVersion: 'v1', kind: 'Service',
        metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { clusterIP: kubernetesServiceIp, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: this.options.port || 6443 }], sessionAffinity: 'None', type: 'ClusterIP' },
      }, { user: apiserverUser });
    }
  }

  /** Starts serving HTTPS (HTTP/2 and HTTP/1.1) and writes the admin kubeconfig. */
  async start(): Promise<void> {
    await mkdir(this.options.dataDir, { recursive: true });
    const host = this.options.host ?? '127.0.0.1';
    this.certificates = await ensureCertificates(this.options.dataDir, host === '0.0.0.0' || host === '::' ? [] : [host]);
    await this.tokens.load(this.options.dataDir);
    await this.bootstrap();
    const router = createRouter(this.context, this.options.extraPaths ?? [], () => this.ready);
    const server = createSecureServer({
      allowHTTP1: true,
      key: this.certificates.servingKey,
      cert: this.certificates.servingCert,
      ca: this.certificates.caCert,
      requestCert: true,
      rejectUnauthorized: false,
      settings: { maxConcurrentStreams: 1000 },
    }, (request, response) => void router(request, response));
    // HTTP/1.1 requests with `Upgrade:` (kubectl exec's WebSocket) arrive here, not as requests.
    server.on('upgrade', (request: import('node:http').IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => serveUpgrade(router, request, socket, head));
    server.on('session', (session) => {
      this.sessions.add(session);
      session.on('close', () => this.sessions.delete(session));
    });
    server.on('secureConnection', (socket) => {
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 6443, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    this.url = `https://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`;
    this.kubeconfigPath = await writeKubeconfig(this.options.dataDir, this.url, this.certificates);
    this.ready = true;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Stops accepting, ends open connections and watches, and closes the store. */
  async stop(): Promise<void> {
    this.ready = false;
    const server = this.server;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of this.sessions) session.destroy();
      for (const socket of this.sockets) socket.destroy();
      await closed;
    }
    await this.options.store.close();
  }
}
