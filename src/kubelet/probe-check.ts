import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { ContainerRuntime } from './cri/types.js';
import { grpcHealthCheck } from './probe-grpc.js';
import type { ContainerSpec, Probe } from './pod-spec.js';

export interface ProbeResult {
  ok: boolean;
  message: string;
}

/** A named port resolves through the container's ports, as kubelet's probers do. */
function resolvePort(port: number | string, c: ContainerSpec): number | undefined {
  if (typeof port === 'number') return port;
  const named = c.ports?.find((p) => p.name === port);
  if (named) return named.containerPort;
  const n = Number(port);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * Runs one probe: httpGet or tcpSocket against the pod's IP (HTTP succeeds on a 2xx or 3xx
 * status, redirects not followed; TCP when a connection opens), exec in the container through
 * the runtime (exit code 0), gRPC through the standard health service (SERVING), all within the
 * timeout.
 */
export function runProbe(probe: Probe, c: ContainerSpec, podIP: string, containerId: string, runtime: ContainerRuntime): Promise<ProbeResult> {
  const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1000;
  if (probe.exec) {
    const command = probe.exec.command ?? [];
    return runtime.execSync(containerId, command, Math.max(1, probe.timeoutSeconds ?? 1)).then(
      (r) => (r.exitCode === 0 ? { ok: true, message: '' } : { ok: false, message: (r.stdout + r.stderr).trim() || `command ${JSON.stringify(command)} exited with ${r.exitCode}` }),
      (error: unknown) => ({ ok: false, message: error instanceof Error ? error.message : String(error) }),
    );
  }
  if (probe.httpGet) {
    const g = probe.httpGet;
    const port = resolvePort(g.port, c);
    if (port === undefined) return Promise.resolve({ ok: false, message: `unknown port ${g.port}` });
    const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
    for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
    const request = g.scheme === 'HTTPS' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const req = request({ host: g.host || podIP, port, path: g.path || '/', method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400 ? { ok: true, message: '' } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` });
      });
      req.on('timeout', () => req.destroy(new Error(`Get "http://${g.host || podIP}:${port}${g.path || '/'}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`)));
      req.on('error', (error) => resolve({ ok: false, message: error.message }));
      req.end();
    });
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, c);
    if (port === undefined) return Promise.resolve({ ok: false, message: `unknown port ${probe.tcpSocket.port}` });
    const host = probe.tcpSocket.host || podIP;
    return new Promise((resolve) => {
      const socket = connect({ host, port, timeout: timeoutMs });
      socket.on('connect', () => {
        socket.destroy();
        resolve({ ok: true, message: '' });
      });
      socket.on('timeout', () => socket.destroy(new Error(`dial tcp ${host}:${port}: i/o timeout`)));
      socket.on('error', (error) => resolve({ ok: false, message: error.message }));
    });
  }
  if (probe.grpc) return grpcHealthCheck(podIP, probe.grpc.port, probe.grpc.service ?? '', timeoutMs);
  return Promise.resolve({ ok: true, message: '' });
}
