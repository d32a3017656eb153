import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type {
  AuthConfig, Container, ContainerConfig, ContainerRuntime, ContainerStatus, Image, PodSandbox, PodSandboxConfig, PodSandboxStatus,
} from './types.js';
import { CriError } from './errors.js';
import * as wire from './wire.js';

// The .proto lives in src/ (the build does not copy it); this file runs from dist/src/kubelet/cri/.
const protoPath = fileURLToPath(new URL('../../../../src/kubelet/cri/api.proto', import.meta.url));

let definition: protoLoader.PackageDefinition | undefined;
function loadDefinition(): protoLoader.PackageDefinition {
  // camelCase field names are exactly the interface's; enums travel as their names, int64 as
  // numbers (nanosecond timestamps lose sub-microsecond precision, which nothing reads);
  // defaults fill absent scalars, lists and maps so replies have every field the types promise.
  definition ??= protoLoader.loadSync(protoPath, { keepCase: false, enums: String, longs: Number, defaults: true, oneofs: true });
  return definition;
}

function method(service: 'RuntimeService' | 'ImageService', name: string): protoLoader.MethodDefinition<object, object> {
  const svc = loadDefinition()[`runtime.v1.${service}`] as protoLoader.ServiceDefinition;
  const found = svc[name];
  if (!found) throw new Error(`runtime.v1.${service}/${name} is not in api.proto`);
  return found as protoLoader.MethodDefinition<object, object>;
}

export interface CriClientOptions {
  /** Absolute path of containerd's (or any CRI runtime's) gRPC unix socket. */
  socket: string;
  /** Deadline of every call but image pulls and container stops. */
  timeoutMs?: number;
  /** Deadline of PullImage: big images on slow links take minutes. */
  pullTimeoutMs?: number;
}

/** The kubelet's ContainerRuntime over CRI gRPC (containerd's `runtime.v1` services). */
export class CriClient implements ContainerRuntime {
  private readonly client: grpc.Client;
  private readonly timeoutMs: number;
  private readonly pullTimeoutMs: number;

  constructor(options: CriClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.pullTimeoutMs = options.pullTimeoutMs ?? 10 * 60_000;
    // The kubelet's own limit: ListContainers on a busy node exceeds grpc's 4 MiB default.
    this.client = new grpc.Client(`unix://${options.socket}`, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 16 * 1024 * 1024,
    });
  }

  private call<T>(service: 'RuntimeService' | 'ImageService', name: string, request: object, timeoutMs = this.timeoutMs): Promise<T> {
    const m = method(service, name);
    return new Promise<T>((resolve, reject) => {
      this.client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, request,
        { deadline: timeoutMs === Infinity ? Infinity : Date.now() + timeoutMs },
        (err, response) => {
          if (err) reject(new CriError(name, err.code, err.details || err.message));
          else resolve(response as T);
        });
    });
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }> {
    const r = await this.call<wire.VersionResponse>('RuntimeService', 'Version', { version: 'v1' });
    return { runtimeName: r.runtimeName, runtimeVersion: r.runtimeVersion, runtimeApiVersion: r.runtimeApiVersion };
  }

  async runPodSandbox(config: PodSandboxConfig, runtimeHandler = ''): Promise<string> {
    const r = await this.call<{ podSandboxId: string }>('RuntimeService', 'RunPodSandbox', { config, runtimeHandler });
    return r.podSandboxId;
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    await this.call('RuntimeService', 'StopPodSandbox', { podSandboxId });
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    await this.call('RuntimeService', 'RemovePodSandbox', { podSandboxId });
  }

  async podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    const r = await this.call<{ status: wire.PodSandboxStatus | null }>('RuntimeService', 'PodSandboxStatus', { podSandboxId });
    if (!r.status) throw new CriError('PodSandboxStatus', grpc.status.NOT_FOUND, `pod sandbox ${podSandboxId} has no status`);
    return wire.podSandboxStatus(r.status);
  }

  async podSandboxInfo(podSandboxId: string): Promise<Record<string, string>> {
    const r = await this.call<{ info: Record<string, string> | null }>('RuntimeService', 'PodSandboxStatus', { podSandboxId, verbose: true });
    return r.info ?? {};
  }

  async listPodSandbox(filter?: { labelSelector?: Record<string, string> }): Promise<PodSandbox[]> {
    const r = await this.call<{ items: wire.PodSandbox[] }>('RuntimeService', 'ListPodSandbox', filter ? { filter } : {});
    return r.items.map(wire.podSandbox);
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    const r = await this.call<{ containerId: string }>('RuntimeService', 'CreateContainer', { podSandboxId, config, sandboxConfig });
    return r.containerId;
  }

  async startContainer(containerId: string): Promise<void> {
    await this.call('RuntimeService', 'StartContainer', { containerId });
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    // The runtime waits up to `timeout` before SIGKILL: our deadline must outlast it.
    await this.call('RuntimeService', 'StopContainer', { containerId, timeout: timeoutSeconds }, timeoutSeconds * 1000 + this.timeoutMs);
  }

  async removeContainer(containerId: string): Promise<void> {
    await this.call('RuntimeService', 'RemoveContainer', { containerId });
  }

  async listContainers(filter?: { podSandboxId?: string; labelSelector?: Record<string, string> }): Promise<Container[]> {
    const r = await this.call<{ containers: wire.Container[] }>('RuntimeService', 'ListContainers', filter ? { filter } : {});
    return r.containers.map(wire.container);
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    const r = await this.call<{ status: wire.ContainerStatus | null }>('RuntimeService', 'ContainerStatus', { containerId });
    if (!r.status) throw new CriError('ContainerStatus', grpc.status.NOT_FOUND, `container ${containerId} has no status`);
    return wire.containerStatus(r.status);
  }

  async attach(containerId: string, streams: { stdin: boolean; tty: boolean; stdout: boolean; stderr: boolean }): Promise<string> {
    const r = await this.call<{ url: string }>('RuntimeService', 'Attach', { containerId, ...streams });
    return r.url;
  }

  async execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    // Timeout 0 is CRI's "no timeout" (lifecycle hooks): then the call has no deadline either.
    const deadlineMs = timeoutSeconds > 0 ? timeoutSeconds * 1000 + this.timeoutMs : Infinity;
    const r = await this.call<{ stdout: Buffer; stderr: Buffer; exitCode: number }>('RuntimeService', 'ExecSync', { containerId, cmd, timeout: timeoutSeconds }, deadlineMs);
    return { exitCode: r.exitCode, stdout: Buffer.from(r.stdout ?? []).toString('utf8'), stderr: Buffer.from(r.stderr ?? []).toString('utf8') };
  }

  async imageStatus(image: string): Promise<Image | undefined> {
    // An unknown image is not an error in CRI: the reply simply carries no image.
    const r = await this.call<{ image: wire.Image | null }>('ImageService', 'ImageStatus', { image: { image } });
    return r.image && r.image.id ? wire.image(r.image) : undefined;
  }

  async pullImage(image: string, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string> {
    const r = await this.call<{ imageRef: string }>('ImageService', 'PullImage', { image: { image }, auth, sandboxConfig }, this.pullTimeoutMs);
    return r.imageRef;
  }

  async listImages(): Promise<Image[]> {
    const r = await this.call<{ images: wire.Image[] }>('ImageService', 'ListImages', {});
    return r.images.map(wire.image);
  }

  close(): void {
    this.client.close();
  }
}
