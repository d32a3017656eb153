import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { ProbeResult } from './probe-check.js';

/** grpc.health.v1 ServingStatus values. */
const servingStatus = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** HealthCheckRequest { string service = 1 }: field 1, length-delimited (written even when empty, which proto3 allows). */
function encodeRequest(service: string): Buffer {
  const bytes = Buffer.from(service, 'utf8');
  const length: number[] = [];
  for (let n = bytes.length; ; n >>>= 7) {
    if (n < 0x80) {
      length.push(n);
      break;
    }
    length.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([0x0a, ...length]), bytes]);
}

/** HealthCheckResponse { ServingStatus status = 1 }: the varint of field 1, 0 when absent. */
function decodeStatus(body: Buffer): number {
  for (let at = 0; at < body.length;) {
    const tag = body[at++]!;
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = body[at++] ?? 0;
      value |= (byte & 0x7f) << shift;
      shift += 7;
      if (!(byte & 0x80) || at >= body.length) break;
    }
    if (tag === 0x08) return value;
  }
  return 0;
}

/**
 * A gRPC probe as kubelet runs it: grpc.health.v1.Health/Check on the pod IP, plaintext,
 * succeeding only on SERVING, with kubelet's messages for each way it fails.
 */
export function grpcHealthCheck(host: string, port: number, service: string, timeoutMs: number): Promise<ProbeResult> {
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const client = new Client(address, credentials.createInsecure());
  const seconds = `${timeoutMs / 1000}s`;
  return new Promise((resolve) => {
    const done = (result: ProbeResult): void => {
      client.close();
      resolve(result);
    };
    // One deadline for connecting and the call together, as kubelet's one context.
    const deadline = Date.now() + timeoutMs;
    client.waitForReady(deadline, (error) => {
      if (error) return done({ ok: false, message: `timeout: failed to connect service "${address}" within ${seconds}: ${error.message}` });
      client.makeUnaryRequest('/grpc.health.v1.Health/Check', encodeRequest, (body: Buffer) => body, service, new Metadata(), { deadline },
        (callError: ServiceError | null, body?: Buffer) => {
          if (callError) {
            if (callError.code === status.UNIMPLEMENTED) return done({ ok: false, message: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${callError.details}` });
            if (callError.code === status.DEADLINE_EXCEEDED) return done({ ok: false, message: `timeout: health rpc did not complete within ${seconds}` });
            return done({ ok: false, message: `error: health rpc probe failed: ${callError.message}` });
          }
          const value = decodeStatus(body ?? Buffer.alloc(0));
          done(value === 1 ? { ok: true, message: '' } : { ok: false, message: `service unhealthy (responded with "${servingStatus[value] ?? value}")` });
        });
    });
  });
}
