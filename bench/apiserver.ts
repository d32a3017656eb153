// API server benchmark: HTTPS creates/s, GET/LIST latency, watch fan-out latency, cold
// start and RSS, beside raw better-sqlite3 inserts on the same disk as the reference.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import Database from 'better-sqlite3';
import { AdminClient } from '../test/e2e/https.js';
import { percentile, rssMb } from './measure.js';

const podBody = (name: string) => JSON.stringify({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'bench', tier: 'web' } },
  spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }], env: [{ name: 'MODE', value: 'bench' }] }] },
});

async function startServer(dataDir: string): Promise<{ child: ChildProcess; url: string; readyMs: number }> {
  const started = performance.now();
  // The API server and its store alone, as kube-apiserver is measured: no scheduler or controllers
  // reacting to every pod (k3s' --disable-scheduler / --disable-controller-manager).
  const child = spawn(process.execPath, ['bin/litekube.js', 'server', '--data-dir', dataDir, '--port', '0', '--disable-scheduler', '--disable-controller-manager'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  for (;;) {
    const url = /ready at (https:\/\/\S+)/.exec(out)?.[1];
    if (url) {
      // Time to the first successful /readyz, as a user's script would poll it.
      for (;;) {
        const ok = await new Promise<boolean>((resolve) => {
          const req = request(`${url}/readyz`, { rejectUnauthorized: false }, (res) => { res.resume(); resolve(res.statusCode === 200); });
          req.on('error', () => resolve(false));
          req.end();
        });
        if (ok) return { child, url, readyMs: Math.round(performance.now() - started) };
      }
    }
    if (child.exitCode !== null) throw new Error('server exited during start');
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

function rawSqliteInserts(dir: string): Record<string, number> {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE kv (id INTEGER PRIMARY KEY, name TEXT, value BLOB)');
  const insert = db.prepare('INSERT INTO kv (name, value) VALUES (?, ?)');
  const value = Buffer.alloc(2048, 7);
  const n = 2000;
  let t = performance.now();
  for (let i = 0; i < n; i++) insert.run(`single-${i}`, value);
  const single = n / ((performance.now() - t) / 1000);
  const batch = db.transaction((start: number) => { for (let i = 0; i < 64; i++) insert.run(`batch-${start + i}`, value); });
  t = performance.now();
  for (let i = 0; i < n * 4; i += 64) batch(i);
  const batched = (n * 4) / ((performance.now() - t) / 1000);
  db.close();
  return { rawInsertsPerSecondOneFsyncEach: Math.round(single), rawInsertsPerSecondBatchesOf64: Math.round(batched) };
}

export async function run(): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'litekube-bench-'));
  const figures: Record<string, unknown> = {};
  let server: ChildProcess | undefined;
  try {
    Object.assign(figures, rawSqliteInserts(dataDir));
    const first = await startServer(dataDir);
    figures.firstStartToReadyMs = first.readyMs;
    await stopServer(first.child);
    const started = await startServer(dataDir);
    server = started.child;
    figures.coldStartToReadyMs = started.readyMs;
    await new Promise((r) => setTimeout(r, 500));
    figures.idleRssMb = await rssMb(server.pid ?? 0);
    const client = new AdminClient(started.url, dataDir, 16);
    // No controller manager runs: the `default` ServiceAccounts that pod admission requires are made here.
    const defaultAccount = (namespace: string) => client.send('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }));
    await defaultAccount('default');

    // Creates over HTTPS with 16 concurrent clients.
    const creates = 4000;
    let next = 0;
    const createLatencies: number[] = [];
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < creates) {
        const i = next++;
        const t = performance.now();
        const answer = await client.send('POST', '/api/v1/namespaces/default/pods', podBody(`pod-${i}`));
        if (answer.status !== 201) throw new Error(`create failed: ${answer.status} ${answer.body.slice(0, 200)}`);
        createLatencies.push(performance.now() - t);
      }
    }));
    figures.createsPerSecond16Clients = Math.round(creates / ((performance.now() - t0) / 1000));
    figures.createP50Ms = percentile(createLatencies, 50);
    figures.createP99Ms = percentile(createLatencies, 99);

    // GET one pod and LIST 1,000 pods (another namespace holding exactly 1,000).
    await client.send('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'thousand' } }));
    await defaultAccount('thousand');
    next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < 1000) {
        const i = next++;
        await client.send('POST', '/api/v1/namespaces/thousand/pods', podBody(`p-${i}`));
      }
    }));
    const gets: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t = performance.now();
      await client.send('GET', `/api/v1/namespaces/default/pods/pod-${i}`);
      gets.push(performance.now() - t);
    }
    figures.getP50Ms = percentile(gets, 50);
    figures.getP99Ms = percentile(gets, 99);
    const lists: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      const answer = await client.send('GET', '/api/v1/namespaces/thousand/pods');
      lists.push(performance.now() - t);
      if (i === 0 && (JSON.parse(answer.body).items as unknown[]).length !== 1000) throw new Error('list did not return 1000 pods');
    }
    figures.list1000PodsP50Ms = percentile(lists, 50);
    figures.list1000PodsP99Ms = percentile(lists, 99);

    // Watch delivery latency to 100 watchers.
    figures.watchDelivery100Watchers = await watchLatency(started.url, dataDir, client);

    // RSS with 10,000 pods.
    next = 5000;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < 10_000) {
        const i = next++;
        await client.send('POST', '/api/v1/namespaces/default/pods', podBody(`pod-${i}`));
      }
    }));
    figures.rssWith10000PodsMb = await rssMb(server.pid ?? 0);
    client.close();
  } finally {
    if (server) await stopServer(server);
    await rm(dataDir, { recursive: true, force: true });
  }
  return figures;
}

async function watchLatency(url: string, dataDir: string, client: AdminClient): Promise<Record<string, number>> {
  const { readFileSync } = await import('node:fs');
  const tls = join(dataDir, 'tls');
  const options = { ca: readFileSync(join(tls, 'ca.crt')), cert: readFileSync(join(tls, 'admin.crt')), key: readFileSync(join(tls, 'admin.key')) };
  const latencies: number[] = [];
  const sentAt = new Map<string, number>();
  const requests: Array<{ destroy: () => void }> = [];
  let ready = 0;
  const listed = await client.send('GET', '/api/v1/namespaces/default/configmaps');
  const from = (JSON.parse(listed.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  await new Promise<void>((resolve) => {
    for (let w = 0; w < 100; w++) {
      const req = request(`${url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${from}&timeoutSeconds=60`, { ...options, agent: false }, (res) => {
        if (++ready === 100) resolve();
        let buffer = '';
        res.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          let newline;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + 1);
            const name = (JSON.parse(line) as { object: { metadata: { name: string } } }).object.metadata.name;
            const sent = sentAt.get(name);
            if (sent !== undefined) latencies.push(performance.now() - sent);
          }
        });
      });
      req.on('error', () => undefined);
      req.end();
      requests.push(req);
    }
  });
  for (let i = 0; i < 20; i++) {
    const name = `watched-${i}`;
    sentAt.set(name, performance.now());
    await client.send('POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } }));
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 500));
  for (const req of requests) req.destroy();
  return { events: latencies.length, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}
