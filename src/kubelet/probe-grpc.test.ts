import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { grpcHealthCheck } from './probe-grpc.js';

/** A health service: "" and "web" are SERVING, "db" NOT_SERVING, others unknown. */
const statuses: Record<string, number> = { '': 1, web: 1, db: 2 };

function startServer(withHealth: boolean): Promise<{ server: Server; port: number }> {
  const server = new Server();
  if (withHealth) {
    server.addService({
      Check: {
        path: '/grpc.health.v1.Health/Check', requestStream: false, responseStream: false,
        // The request is a one-field message: field 1, the service name (an object: grpc-js
        // takes a falsy request for a missing one).
        requestDeserialize: (body: Buffer) => ({ service: body.subarray(2).toString('utf8') }),
        requestSerialize: (value: { service: string }) => Buffer.from(value.service),
        responseSerialize: (value: number) => (value ? Buffer.from([0x08, value]) : Buffer.alloc(0)),
        responseDeserialize: (body: Buffer) => body[1] ?? 0,
      },
    }, {
      Check: (call: ServerUnaryCall<{ service: string }, number>, callback: sendUnaryData<number>) => callback(null, statuses[call.request.service] ?? 3),
    });
  }
  return new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve({ server, port }))));
}

describe('gRPC probes (grpc.health.v1)', () => {
  let health: { server: Server; port: number };
  let bare: { server: Server; port: number };
  before(async () => {
    health = await startServer(true);
    bare = await startServer(false);
  });
  after(() => {
    health.server.forceShutdown();
    bare.server.forceShutdown();
  });

  it('succeeds only when the service answers SERVING', async () => {
    assert.deepEqual(await grpcHealthCheck('127.0.0.1', health.port, '', 2000), { ok: true, message: '' });
    assert.deepEqual(await grpcHealthCheck('127.0.0.1', health.port, 'web', 2000), { ok: true, message: '' });
    assert.deepEqual(await grpcHealthCheck('127.0.0.1', health.port, 'db', 2000), { ok: false, message: 'service unhealthy (responded with "NOT_SERVING")' });
    assert.deepEqual(await grpcHealthCheck('127.0.0.1', health.port, 'other', 2000), { ok: false, message: 'service unhealthy (responded with "SERVICE_UNKNOWN")' });
  });

  it('words a server without the health service and a closed port as kubelet does', async () => {
    const unimplemented = await grpcHealthCheck('127.0.0.1', bare.port, '', 2000);
    assert.equal(unimplemented.ok, false);
    assert.match(unimplemented.message, /^error: this server does not implement the grpc health protocol \(grpc\.health\.v1\.Health\)/);
    const closed = await grpcHealthCheck('127.0.0.1', 1, '', 500);
    assert.equal(closed.ok, false);
    assert.match(closed.message, /^timeout: failed to connect service "127\.0\.0\.1:1" within 0\.5s/);
  });
});
