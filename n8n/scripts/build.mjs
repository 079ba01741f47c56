// The node is plain CommonJS: the build copies nodes/ and credentials/ into dist/ (the files the
// package.json `n8n` section lists), then loads them once to check that the description builds.
import { cpSync, rmSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `--out DIR` writes the build elsewhere (the n8n test stages the package in a temp folder).
const outAt = process.argv.indexOf('--out');
const dist = outAt > 0 ? resolve(process.argv[outAt + 1]) : join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
for (const dir of ['nodes', 'credentials']) cpSync(join(root, dir), join(dist, dir), { recursive: true });

if (!process.argv.includes('--no-check')) {
  const require = createRequire(import.meta.url);
  const pkg = require(join(root, 'package.json'));
  let ok = true;
  for (const file of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) {
    try {
      const mod = require(join(dist, file.replace(/^dist\//, '')));
      for (const Cls of Object.values(mod)) {
        const inst = new Cls();
        const what = inst.description ? `${inst.description.properties.length} properties` : `${inst.properties.length} fields`;
        console.error(`build: ${file}: ${Cls.name} (${what})`);
      }
    } catch (e) {
      ok = false;
      console.error(`build: ${file}: ${e && e.stack ? e.stack : e}`);
    }
  }
  if (!ok) process.exit(1);
}
console.error(`build: wrote ${dist}`);
