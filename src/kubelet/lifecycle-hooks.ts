import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KubeObject } from '../api/types.js';
import type { ContainerRuntime } from './cri/types.js';
import type { ContainerSpec, HttpGetAction, LifecycleHandler } from './pod-spec.js';
import { errorMessage } from './util.js';

/** Where a hook runs: the container instance, and the pod IP an httpGet without host goes to. */
export interface HookTarget {
  pod: KubeObject;
  container: ContainerSpec;
  containerId: string;
  podIP?: string;
}

/** kubelet's format.Pod: `name_namespace(uid)`, how pods are named in hook and back-off messages. */
export const formatPod = (pod: KubeObject): string => `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;

class Aborted extends Error {
  constructor(what: string) {
    super(what);
  }
}

/** Rejects when the signal aborts, with `what` as the error. */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(new Aborted(what));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Aborted(what));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Runs a postStart or preStop handler as kubelet's handlerRunner.Run: exec in the container
 * through CRI ExecSync (a non-zero exit fails), httpGet to the pod (only a failed request
 * fails; the status code is not checked), or sleep. Resolves to undefined on success, else to
 * kubelet's failure message. The signal ends waiting (the pod is going away).
 */
export async function runLifecycleHandler(runtime: ContainerRuntime, target: HookTarget, handler: LifecycleHandler, signal?: AbortSignal): Promise<string | undefined> {
  const where = `for Container "${target.container.name}" in Pod "${formatPod(target.pod)}"`;
  if (handler.exec) {
    const command = handler.exec.command ?? [];
    try {
      // Timeout 0: CRI's "no timeout", as kubelet passes for hooks.
      const result = await abortable(runtime.execSync(target.containerId, command, 0), signal, 'context canceled');
      if (result.exitCode === 0) return undefined;
      const error = `command '${command.join(' ')}' exited with ${result.exitCode}: ${result.stderr}`;
      return `Exec lifecycle hook ([${command.join(' ')}]) ${where} failed - error: ${error}, message: ${JSON.stringify(result.stdout + result.stderr)}`;
    } catch (error: unknown) {
      return `Exec lifecycle hook ([${command.join(' ')}]) ${where} failed - error: ${errorMessage(error)}, message: ""`;
    }
  }
  if (handler.httpGet) {
    try {
      await abortable(httpGet(handler.httpGet, target, signal), signal, 'context canceled');
      return undefined;
    } catch (error: unknown) {
      return `HTTP lifecycle hook (${handler.httpGet.path ?? ''}) ${where} failed - error: ${errorMessage(error)}`;
    }
  }
  if (handler.sleep) {
    const seconds = handler.sleep.seconds;
    try {
      await abortable(new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, seconds) * 1000).unref()), signal, 'container terminated before sleep hook finished');
      return undefined;
    } catch (error: unknown) {
      return `Sleep lifecycle hook (${seconds}) ${where} failed - error: ${errorMessage(error)}`;
    }
  }
  // tcpSocket is accepted by the API for compatibility but never runs (kubelet fails it).
  return `Cannot run handler: invalid handler: ${JSON.stringify(handler)}`;
}

/** A named port resolves through the container's ports; an empty one is 80 (kubelet's resolvePort). */
function resolvePort(port: number | string, c: ContainerSpec): number {
  if (typeof port === 'number') return port;
  if (port === '') return 80;
  const n = Number(port);
  if (Number.isInteger(n) && n > 0) return n;
  const named = c.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`couldn't find port: ${port} in ${c.name}`);
  return named.containerPort;
}

/** GET as kubelet's NewRequestForHTTPGetAction builds it; resolves once the response headers arrive. */
function httpGet(action: HttpGetAction, target: HookTarget, signal: AbortSignal | undefined): Promise<void> {
  const host = action.host || target.podIP;
  if (!host) return Promise.reject(new Error('failed to find networking container: the pod has no IP'));
  const port = resolvePort(action.port, target.container);
  const headers: Record<string, string> = { 'User-Agent': 'kube-lifecycle/1.32', Accept: '*/*' };
  for (const h of action.httpHeaders ?? []) headers[h.name] = h.value;
  const path = action.path ? (action.path.startsWith('/') ? action.path : `/${action.path}`) : '/';
  const request = action.scheme === 'HTTPS' ? httpsRequest : httpRequest;
  return new Promise<void>((resolve, reject) => {
    const req = request({ host, port, path, method: 'GET', headers, ...(signal ? { signal } : {}) }, (res) => {
      res.resume();
      resolve();
    });
    req.on('error', reject);
    req.end();
  });
}
