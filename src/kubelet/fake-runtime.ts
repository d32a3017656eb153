import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { terminationMessagePathAnnotation } from './labels.js';
import type {
  AuthConfig, Container, ContainerConfig, ContainerRuntime, ContainerStatus, Image, PodSandbox, PodSandboxConfig, PodSandboxStatus,
} from './cri/types.js';

interface FakeSandbox {
  sandbox: PodSandbox;
  config: PodSandboxConfig;
  ip: string;
}

interface FakeContainer {
  status: ContainerStatus;
  podSandboxId: string;
  config: ContainerConfig;
  exitTimer?: NodeJS.Timeout;
}

/** One call the kubelet made, in order, for tests to assert on. */
export interface FakeCall {
  op: string;
  id?: string;
  name?: string;
}

const nanos = (): number => Date.now() * 1e6;

/**
 * An in-memory ContainerRuntime for the kubelet's tests. Containers run "forever" unless
 * their command says otherwise: `['exit', 'N']` exits with code N after `exitDelayMs`,
 * `['sleep', 'MS']` exits 0 after MS milliseconds, `['oom']` is OOM-killed (137, OOMKilled)
 * after `exitDelayMs`, `['message', 'TEXT', 'N']` writes TEXT to its termination-message file
 * and exits N, `['log', 'TEXT', 'N']` logs TEXT's lines (CRI format) and exits N. Stopping a
 * running container exits it with 143 (it honoured SIGTERM). Exec runs `['exit', 'N']`
 * (exit code N) and `['sleep', 'MS']`; anything else succeeds at once. Images listed in
 * `images` are present; others are pulled unless listed in `failPulls`.
 */
export class FakeRuntime implements ContainerRuntime {
  readonly sandboxes = new Map<string, FakeSandbox>();
  readonly containers = new Map<string, FakeContainer>();
  readonly images = new Map<string, Image>();
  readonly calls: FakeCall[] = [];
  readonly failPulls = new Set<string>();
  /** Images only these credentials may pull (a private registry). */
  readonly privateImages = new Map<string, { username: string; password: string }>();
  /** Every PullImage with the credentials it carried. */
  readonly pulls: Array<{ image: string; auth?: AuthConfig }> = [];
  exitDelayMs = 20;
  private nextId = 1;
  private nextIp = 2;

  constructor(images: string[] = []) {
    for (const image of images) this.addImage(image);
  }

  addImage(image: string): void {
    this.images.set(image, { id: `sha256:${this.hex(image)}`, repoTags: [image], repoDigests: [], size: 1000 });
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }> {
    return { runtimeName: 'containerd', runtimeVersion: '1.6.20', runtimeApiVersion: 'v1' };
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const id = this.id();
    const network = config.linux?.securityContext?.namespaceOptions?.network === 'NODE';
    const ip = network ? '' : `10.42.0.${this.nextIp++}`;
    const sandbox: PodSandbox = { id, metadata: config.metadata, state: 'SANDBOX_READY', createdAt: nanos(), labels: { ...config.labels }, annotations: { ...config.annotations } };
    this.sandboxes.set(id, { sandbox, config, ip });
    this.calls.push({ op: 'runPodSandbox', id, name: config.metadata.name });
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const s = this.sandboxes.get(id);
    if (!s) return;
    for (const c of this.containers.values()) if (c.podSandboxId === id) this.exit(c, 137);
    s.sandbox.state = 'SANDBOX_NOTREADY';
    this.calls.push({ op: 'stopPodSandbox', id });
  }

  async removePodSandbox(id: string): Promise<void> {
    for (const [cid, c] of this.containers) if (c.podSandboxId === id) this.drop(cid);
    this.sandboxes.delete(id);
    this.calls.push({ op: 'removePodSandbox', id });
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    const s = this.sandboxes.get(id);
    if (!s) throw new Error(`sandbox ${id} not found`);
    return { ...s.sandbox, ...(s.ip && s.sandbox.state === 'SANDBOX_READY' ? { network: { ip: s.ip } } : {}) };
  }

  async podSandboxInfo(id: string): Promise<Record<string, string>> {
    if (!this.sandboxes.has(id)) throw new Error(`sandbox ${id} not found`);
    return {};
  }

  async listPodSandbox(filter?: { labelSelector?: Record<string, string> }): Promise<PodSandbox[]> {
    return [...this.sandboxes.values()].map((s) => s.sandbox).filter((s) => matches(s.labels, filter?.labelSelector)).map((s) => ({ ...s }));
  }

  async createContainer(podSandboxId: string, config: ContainerConfig): Promise<string> {
    if (!this.sandboxes.has(podSandboxId)) throw new Error(`sandbox ${podSandboxId} not found`);
    const image = this.images.get(config.image.image);
    if (!image) throw new Error(`image ${config.image.image} not present`);
    const id = this.id();
    const status: ContainerStatus = {
      id, metadata: config.metadata, state: 'CONTAINER_CREATED', createdAt: nanos(), startedAt: 0, finishedAt: 0, exitCode: 0,
      image: config.image, imageRef: image.id, reason: '', message: '', labels: { ...config.labels }, annotations: { ...config.annotations },
      // As containerd reports it: the sandbox's log directory joined with the config's path.
      logPath: join(this.sandboxes.get(podSandboxId)!.config.logDirectory, config.logPath), mounts: [...(config.mounts ?? [])],
    };
    this.containers.set(id, { status, podSandboxId, config });
    this.calls.push({ op: 'createContainer', id, name: config.metadata.name });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.mustGet(id);
    if (c.status.state !== 'CONTAINER_CREATED') throw new Error(`container ${id} is ${c.status.state}`);
    c.status.state = 'CONTAINER_RUNNING';
    c.status.startedAt = nanos();
    this.calls.push({ op: 'startContainer', id, name: c.config.metadata.name });
    const [verb, arg, code] = c.config.command ?? [];
    if (verb === 'exit') this.exitLater(c, this.exitDelayMs, Number(arg ?? 0));
    else if (verb === 'sleep') this.exitLater(c, Number(arg ?? 0), 0);
    else if (verb === 'oom') this.exitLater(c, this.exitDelayMs, 137, 'OOMKilled');
    else if (verb === 'message') {
      const path = c.config.annotations?.[terminationMessagePathAnnotation];
      const file = c.config.mounts?.find((m) => m.containerPath === path)?.hostPath;
      if (file) writeFileSync(file, arg ?? '');
      this.exitLater(c, this.exitDelayMs, Number(code ?? 0));
    } else if (verb === 'log') {
      mkdirSync(dirname(c.status.logPath), { recursive: true });
      const stamp = new Date().toISOString();
      appendFileSync(c.status.logPath, (arg ?? '').split('\n').map((line) => `${stamp} stdout F ${line}\n`).join(''));
      this.exitLater(c, this.exitDelayMs, Number(code ?? 0));
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.calls.push({ op: 'stopContainer', id, name: `${c.config.metadata.name}:${timeoutSeconds}` });
    if (c.status.state === 'CONTAINER_RUNNING') this.exit(c, 143);
    else if (c.status.state === 'CONTAINER_CREATED') this.exit(c, 0);
  }

  async removeContainer(id: string): Promise<void> {
    this.drop(id);
    this.calls.push({ op: 'removeContainer', id });
  }

  async listContainers(filter?: { podSandboxId?: string; labelSelector?: Record<string, string> }): Promise<Container[]> {
    return [...this.containers.values()]
      .filter((c) => (!filter?.podSandboxId || c.podSandboxId === filter.podSandboxId) && matches(c.status.labels, filter?.labelSelector))
      .map((c) => ({
        id: c.status.id, podSandboxId: c.podSandboxId, metadata: c.status.metadata, image: c.status.image, imageRef: c.status.imageRef,
        state: c.status.state, createdAt: c.status.createdAt, labels: c.status.labels, annotations: c.status.annotations,
      }));
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    return { ...this.mustGet(id).status };
  }

  async attach(containerId: string): Promise<string> {
    if (!this.containers.has(containerId)) throw new Error(`container ${containerId} not found`);
    throw new Error('the fake runtime has no streaming server');
  }

  /** `['exit', 'N']` exits with N, `['sleep', 'MS']` takes MS; anything else succeeds at once. */
  async execSync(id: string, cmd: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const c = this.mustGet(id);
    this.calls.push({ op: 'execSync', id, name: `${c.config.metadata.name}:${cmd.join(' ')}` });
    if (c.status.state !== 'CONTAINER_RUNNING') throw new Error(`container ${id} is not running`);
    if (cmd[0] === 'sleep') await new Promise((resolve) => setTimeout(resolve, Number(cmd[1] ?? 0)).unref());
    return { exitCode: cmd[0] === 'exit' ? Number(cmd[1] ?? 0) : 0, stdout: '', stderr: cmd[0] === 'exit' ? 'failed\n' : '' };
  }

  async imageStatus(image: string): Promise<Image | undefined> {
    return this.images.get(image);
  }

  async pullImage(image: string, auth?: AuthConfig): Promise<string> {
    this.calls.push({ op: 'pullImage', name: image });
    this.pulls.push({ image, auth });
    if (this.failPulls.has(image)) throw new Error(`failed to resolve reference "${image}": not found`);
    const required = this.privateImages.get(image);
    if (required && (auth?.username !== required.username || auth?.password !== required.password)) {
      throw new Error(`failed to pull and unpack image "${image}": failed to resolve reference "${image}": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`);
    }
    if (!this.images.has(image)) this.addImage(image);
    return this.images.get(image)!.id;
  }

  async listImages(): Promise<Image[]> {
    return [...this.images.values()];
  }

  close(): void {
    for (const c of this.containers.values()) clearTimeout(c.exitTimer);
  }

  /** The config the container with this name was last created with (tests). */
  configOf(name: string): ContainerConfig | undefined {
    return [...this.containers.values()].filter((c) => c.config.metadata.name === name).sort((a, b) => b.status.createdAt - a.status.createdAt)[0]?.config;
  }

  private exitLater(c: FakeContainer, ms: number, code: number, reason?: string): void {
    c.exitTimer = setTimeout(() => this.exit(c, code, reason), ms);
    c.exitTimer.unref();
  }

  private exit(c: FakeContainer, code: number, reason?: string): void {
    clearTimeout(c.exitTimer);
    if (c.status.state === 'CONTAINER_EXITED') return;
    c.status.state = 'CONTAINER_EXITED';
    c.status.exitCode = code;
    c.status.finishedAt = nanos();
    c.status.reason = reason ?? (code === 0 ? 'Completed' : 'Error');
  }

  private drop(id: string): void {
    const c = this.containers.get(id);
    if (c) clearTimeout(c.exitTimer);
    this.containers.delete(id);
  }

  private mustGet(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new Error(`container ${id} not found`);
    return c;
  }

  private id(): string {
    return this.hex(`id-${this.nextId++}-${Math.random()}`).repeat(2);
  }

  private hex(seed: string): string {
    let hash = 0x811c9dc5;
    for (let i = 0; i < seed.length; i++) hash = Math.imul(hash ^ seed.charCodeAt(i), 0x01000193) >>> 0;
    return hash.toString(16).padStart(8, '0').repeat(4);
  }
}

function matches(labels: Record<string, string>, selector?: Record<string, string>): boolean {
  return !selector || Object.entries(selector).every(([k, v]) => labels[k] === v);
}
