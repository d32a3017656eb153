// Checks DESIGN.md's import rules: api and storage import nothing of ours; only the API
// server (and the CLI that starts it) imports storage; node and control-plane parts reach
// the cluster only through client; no import cycles between files.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve('src');
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.ts')) files.push(path);
  }
})(root);

const part = (file) => relative(root, file).split('/')[0];
const graph = new Map();
const problems = [];
const rules = {
  api: [],
  storage: [],
  client: ['api', 'apiserver'],
  scheduler: ['api', 'client'],
  controllers: ['api', 'client'],
  kubelet: ['api', 'client'],
  simulated: ['api', 'client'],
  proxy: ['api', 'client'],
  dns: ['api', 'client'],
  apiserver: ['api', 'storage'],
  cli: null,
};

for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const targets = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/g)) {
    const typeOnly = /^(?:import|export)\s+type\s/.test(match[0].trim());
    const target = resolve(dirname(file), match[1]).replace(/\.js$/, '.ts');
    // Type-only imports vanish at run time: they obey the layering but cannot form cycles.
    if (!typeOnly) targets.push(target);
    const from = part(file);
    const to = part(target);
    const allowed = rules[from];
    // Tests may assemble several parts (a controller with the scheduler and simulated nodes);
    // the rules guard what ships. Cycles are still checked for them.
    const isTest = file.endsWith('.test.ts');
    if (!isTest && from !== to && allowed !== null && allowed !== undefined && !allowed.includes(to)) {
      problems.push(`${relative(root, file)} imports ${relative(root, target)}: ${from} may only import ${allowed.join(', ') || 'nothing of ours'}`);
    }
  }
  graph.set(file, targets);
}

// Cycle detection (depth-first, runtime imports between files).
const state = new Map();
const stack = [];
function visit(file) {
  state.set(file, 'visiting');
  stack.push(file);
  for (const target of graph.get(file) ?? []) {
    if (!graph.has(target)) continue;
    if (state.get(target) === 'visiting') {
      const cycle = stack.slice(stack.indexOf(target)).concat(target).map((f) => relative(root, f));
      problems.push(`import cycle: ${cycle.join(' → ')}`);
    } else if (!state.has(target)) visit(target);
  }
  stack.pop();
  state.set(file, 'done');
}
for (const file of graph.keys()) if (!state.has(file)) visit(file);

if (problems.length) {
  console.error(`import rules broken (${problems.length}):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.error(`imports: ${files.length} files follow the layering rules, no cycles`);
