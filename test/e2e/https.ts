import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A keep-alive HTTPS client authenticated with the cluster's admin certificate. */
export class AdminClient {
  private readonly agent: Agent;
  constructor(readonly baseUrl: string, dataDir: string, maxSockets = 16) {
    const tls = join(dataDir, 'tls');
    this.agent = new Agent({
      keepAlive: true,
      maxSockets,
      ca: readFileSync(join(tls, 'ca.crt')),
      cert: readFileSync(join(tls, 'admin.crt')),
      key: readFileSync(join(tls, 'admin.key')),
    });
  }

  send(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      // Node sends DELETE and OPTIONS bodies unframed unless told their length.
      const length: Record<string, string> = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
      const req = request(this.baseUrl + path, { method, agent: this.agent, headers: { 'content-type': 'application/json', ...length, ...headers }, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`request timed out: ${method} ${path}`)));
      req.on('error', reject);
      if (body !== undefined) req.end(body);
      else req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
