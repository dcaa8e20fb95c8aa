#!/usr/bin/env node
// Release step: lists the prebuilt engine packages as gradlens's optionalDependencies, at this
// version, just before `npm publish`. They are not in the repository's package.json: a dependency
// that is not on the registry yet makes `npm ci` fail ("Missing: ... from lock file") for everyone
// working from a clone, and a listed platform package that was never published would fail users'
// installs. So only the engines actually packed for this release are listed: by default those whose
// tarballs lie in build/packages (where scripts/pack-engine.mjs puts them), or `--platforms a,b`.
// Usage (docs/release.md):
//   node scripts/engine-deps.mjs [--platforms linux-x64-gnu,darwin-arm64]   edits package.json
//   node scripts/engine-deps.mjs --check                                   exits 1 if one is missing
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const path = join(root, 'package.json');
const pkg = JSON.parse(readFileSync(path, 'utf8'));
const packages = join(root, 'build', 'packages');
const arg = process.argv.indexOf('--platforms');
const platforms = arg > 0 ? process.argv[arg + 1].split(',').filter(Boolean) : packed();

function packed() {
  if (!existsSync(packages)) return [];
  const pattern = new RegExp(`^gradlens-engine-(.+)-${pkg.version.replaceAll('.', '\\.')}\\.tgz$`);
  return readdirSync(packages).map((f) => pattern.exec(f)?.[1]).filter(Boolean).sort();
}

if (platforms.length === 0) {
  console.error(`engine-deps: no engine tarball for ${pkg.version} in ${packages}; run scripts/pack-engine.mjs`);
  process.exit(1);
}
const wanted = Object.fromEntries(platforms.map((p) => [`@gradlens/engine-${p}`, pkg.version]));
if (process.argv.includes('--check')) {
  const missing = Object.entries(wanted).filter(([name, v]) => pkg.optionalDependencies?.[name] !== v);
  if (missing.length > 0) {
    console.error(`engine-deps: package.json lacks ${missing.map(([n, v]) => `${n}@${v}`).join(', ')}`);
    process.exit(1);
  }
  console.log(`engine-deps: ${platforms.join(', ')} listed at ${pkg.version}`);
} else {
  pkg.optionalDependencies = { ...pkg.optionalDependencies, ...wanted };
  writeFileSync(path, JSON.stringify(pkg, null, 2) + '\n');
  console.log(`engine-deps: listed ${Object.keys(wanted).join(', ')} at ${pkg.version}`);
}
