#!/usr/bin/env node
// Builds what the npm package ships, into dist/: compiled ESM JavaScript with .d.ts files
// (tsc -p tsconfig.build.json; relative .ts imports rewritten to .js), the dashboard page bundled
// by esbuild (dist/ui/dist), and the catalog of built-in plugins (dist/plugins/catalog.json, so
// `gradlens plugins` lists them without loading tfjs). Runs at `npm pack` (prepack), at
// `npm install` in a clone (prepare) and before `npm start`. Users' machines never run it.
// `--if-stale` skips the build when dist/ is newer than every source.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stamp = join(dist, '.built');
const SOURCES = ['core', 'plugins', 'ui', 'bin', 'package.json', 'tsconfig.build.json'];

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).filter((n) => n !== 'dist').map((n) => newest(join(path, n))));
}

if (process.argv.includes('--if-stale') && existsSync(stamp)) {
  const built = statSync(stamp).mtimeMs;
  if (SOURCES.every((s) => !existsSync(join(root, s)) || newest(join(root, s)) < built)) process.exit(0);
}

const t0 = Date.now();
const step = (label, cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build: ${label} failed (exit ${r.status})`);
    process.exit(1);
  }
};
const bin = (name) => join(root, 'node_modules', '.bin', name);
if (!existsSync(bin('tsc')) || !existsSync(join(root, 'node_modules', 'esbuild'))) {
  console.error('build: typescript and esbuild (devDependencies) are needed; run npm install in the clone');
  process.exit(1);
}
rmSync(dist, { recursive: true, force: true });
step('tsc', bin('tsc'), ['-p', 'tsconfig.build.json']);
step('the page', process.execPath, ['--import', 'tsx', 'ui/build.ts', '--out', join(dist, 'ui', 'dist')]);
chmodSync(join(dist, 'bin', 'gradlens.js'), 0o755);

// The catalog, from the compiled plugins themselves.
const { builtinRegistry } = await import(pathToFileURL(join(dist, 'plugins', 'index.js')).href);
const registry = builtinRegistry();
// Every kind the registry holds, so a new plugin kind needs no change here.
const catalog = {};
for (const p of registry.all()) (catalog[p.kind] ??= []).push({ name: p.name, description: p.description });
writeFileSync(join(dist, 'plugins', 'catalog.json'), JSON.stringify(catalog, null, 2) + '\n');
writeFileSync(stamp, new Date().toISOString() + '\n');
console.log(`build: dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(0);
