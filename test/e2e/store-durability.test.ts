import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminClient } from './https.js';
import { eventually, TestCluster } from './harness.js';

const configMap = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { payload: 'x'.repeat(512) } });

describe('the store survives restarts and crashes', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start();
  });
  after(async () => {
    await cluster?.stop();
  });

  it('C089 after a restart all objects are there, resourceVersions keep increasing and an old watch resumes', async () => {
    await cluster.ok(['create', 'configmap', 'before', '--from-literal=a=1']);
    const first = JSON.parse(await cluster.ok(['get', 'configmap', 'before', '-o', 'json']));
    await cluster.ok(['create', 'configmap', 'second', '--from-literal=a=2']);
    await cluster.restart();
    const names = await cluster.ok(['get', 'configmaps', '-o', 'name']);
    assert.match(names, /configmap\/before/);
    assert.match(names, /configmap\/second/);
    await cluster.ok(['create', 'configmap', 'after', '--from-literal=a=3']);
    const later = JSON.parse(await cluster.ok(['get', 'configmap', 'after', '-o', 'json']));
    assert.ok(Number(later.metadata.resourceVersion) > Number(first.metadata.resourceVersion));
    const resumed = await cluster.ok(['get', '--raw', `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${first.metadata.resourceVersion}&timeoutSeconds=1`]);
    const events = resumed.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED second', 'ADDED after']);
  });

  it('a watch from a compacted resourceVersion gets a 410 Expired ERROR event', async () => {
    const store = cluster.plane.server.registry.store;
    await cluster.ok(['create', 'configmap', 'compact-me', '--from-literal=a=1']);
    await store.compact(store.revision());
    const answer = await cluster.ok(['get', '--raw', '/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=2&timeoutSeconds=1']);
    const event = JSON.parse(answer.trim().split('\n')[0]);
    assert.equal(event.type, 'ERROR');
    assert.equal(event.object.code, 410);
    assert.equal(event.object.reason, 'Expired');
    assert.match(event.object.message, /too old resource version/);
  });
});

describe('kill -9 during concurrent creates', () => {
  let dataDir: string;
  let server: ChildProcess | undefined;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'litekube-kill-'));
  });
  after(async () => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  const startServer = async (): Promise<{ child: ChildProcess; url: string }> => {
    const child = spawn(process.execPath, ['bin/litekube.js', 'server', '--data-dir', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', () => undefined);
    const url = await eventually(() => /ready at (https:\/\/\S+)/.exec(out)?.[1], 15_000, 'server to start');
    return { child, url };
  };

  it('every create that got 201 is present after restart and the store opens cleanly', async () => {
    const started = await startServer();
    server = started.child;
    const client = new AdminClient(started.url, dataDir);
    const acknowledged: string[] = [];
    let stop = false;
    const worker = async (id: number) => {
      for (let i = 0; !stop && i < 2000; i++) {
        const name = `w${id}-${i}`;
        try {
          const answer = await client.send('POST', '/api/v1/namespaces/default/configmaps', configMap(name));
          if (answer.status === 201) acknowledged.push(name);
        } catch {
          return;
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, i) => worker(i));
    await eventually(() => acknowledged.length >= 200, 20_000, '200 acknowledged creates');
    server.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    client.close();
    const restarted = await startServer();
    server = restarted.child;
    const again = new AdminClient(restarted.url, dataDir);
    try {
      const list = await again.send('GET', '/api/v1/namespaces/default/configmaps');
      assert.equal(list.status, 200);
      const present = new Set((JSON.parse(list.body).items as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name));
      const missing = acknowledged.filter((name) => !present.has(name));
      assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged creates were lost`);
    } finally {
      again.close();
      server.kill('SIGTERM');
      await new Promise((r) => server?.once('exit', r));
    }
  });
});
