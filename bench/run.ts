// `npm run bench -- [suite ...]`: runs benchmark suites and writes JSON to bench/results/.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

type Suite = () => Promise<Record<string, unknown>>;

const suites: Record<string, () => Promise<Suite>> = {
  storage: async () => (await import('./storage.js')).run,
  apiserver: async () => (await import('./apiserver.js')).run,
  scheduler: async () => (await import('./scheduler.js')).run,
  kubelet: async () => (await import('./kubelet.js')).run,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = wanted.length ? wanted : Object.keys(suites);
  await mkdir('bench/results', { recursive: true });
  for (const name of names) {
    const load = suites[name];
    if (!load) {
      process.stderr.write(`bench: unknown suite "${name}"; known: ${Object.keys(suites).join(', ')}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`bench: running ${name}…\n`);
    const figures = await (await load())();
    const result = { suite: name, date: new Date().toISOString(), node: process.version, figures };
    const file = join('bench/results', `${name}.json`);
    await writeFile(file, JSON.stringify(result, null, 2) + '\n');
    process.stdout.write(`${name}: ${JSON.stringify(figures, null, 2)}\n(written to ${file})\n`);
  }
}

await main();
