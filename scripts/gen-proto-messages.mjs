// Builds src/apiserver/protobuf/messages.json: the field numbers and types of the Kubernetes
// API's protobuf messages (wire-format facts), read from the generated.proto files of
// k8s.io/api and k8s.io/apimachinery checkouts. Run by hand when the API version moves:
//   node scripts/gen-proto-messages.mjs <k8s.io/api dir> <k8s.io/apimachinery dir>
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [apiDir, machineryDir] = process.argv.slice(2);
if (!apiDir || !machineryDir) {
  console.error('usage: gen-proto-messages.mjs <k8s.io/api dir> <k8s.io/apimachinery dir>');
  process.exit(2);
}

// Stable group versions only: what the server serves and clients send.
const apiPackages = [
  'admissionregistration/v1', 'apps/v1', 'authentication/v1', 'authorization/v1', 'autoscaling/v1', 'autoscaling/v2',
  'batch/v1', 'certificates/v1', 'coordination/v1', 'core/v1', 'discovery/v1', 'events/v1', 'flowcontrol/v1',
  'networking/v1', 'node/v1', 'policy/v1', 'rbac/v1', 'scheduling/v1', 'storage/v1',
];
const machineryPackages = ['pkg/apis/meta/v1', 'pkg/runtime', 'pkg/runtime/schema', 'pkg/util/intstr', 'pkg/api/resource'];

const files = [
  ...apiPackages.map((p) => join(apiDir, p, 'generated.proto')),
  ...machineryPackages.map((p) => join(machineryDir, p, 'generated.proto')),
];

const scalars = new Set(['string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'double', 'float', 'sint32', 'sint64', 'fixed32', 'fixed64']);
const messages = {};
// A few Go fields carry their Go name in the proto (`Webhooks`); JSON names start lower-case.
const jsonName = (name) => (name === 'Raw' ? name : name[0].toLowerCase() + name.slice(1));

for (const file of files) {
  if (!existsSync(file)) {
    console.error(`missing ${file}`);
    process.exit(1);
  }
  const text = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '');
  const pkg = /^package\s+([\w.]+);/m.exec(text)[1];
  const qualify = (type) => (scalars.has(type) ? type : type.startsWith('.') ? type.slice(1) : `${pkg}.${type}`);
  let current;
  for (const line of text.split('\n')) {
    const open = /^message\s+(\w+)\s*\{/.exec(line.trim());
    if (open) {
      current = {};
      messages[`${pkg}.${open[1]}`] = current;
      continue;
    }
    if (!current) continue;
    const map = /^map<\s*([\w.]+)\s*,\s*([\w.]+)\s*>\s+(\w+)\s*=\s*(\d+)/.exec(line.trim());
    if (map) {
      current[map[4]] = [jsonName(map[3]), 'map', qualify(map[1]), qualify(map[2])];
      continue;
    }
    const field = /^(optional|repeated|required)\s+([\w.]+)\s+(\w+)\s*=\s*(\d+)/.exec(line.trim());
    if (field) current[field[4]] = [jsonName(field[3]), field[1] === 'repeated' ? 'repeated' : 'optional', qualify(field[2])];
  }
}

const out = join(process.cwd(), 'src/apiserver/protobuf/messages.json');
writeFileSync(out, JSON.stringify({ messages }) + '\n');
console.log(`gen-proto-messages: ${Object.keys(messages).length} messages → ${out}`);
