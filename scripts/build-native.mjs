#!/usr/bin/env node
// Builds gradlens's native kernels (core/engine/native/src, C++ on oneDNN) into
// build/native/gradlens_native.node. Runs at `npm install` (postinstall) and as
// `npm run build:native`. Compiles from source with the machine's C++ compiler; downloads nothing.
// When a piece is missing it explains what to install, records why in build/native/status.json and
// exits 0 (gradlens then runs on its WebAssembly kernels); `--strict` makes that an error.
// `--out DIR --rpath-origin` builds the addon of a prebuilt platform package instead
// (scripts/pack-engine.mjs): the libraries it links are then looked up beside it ($ORIGIN) first.
// An installed platform package (@gradlens/engine-<platform>) makes the source build unnecessary.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'core/engine/native/src');
const outArg = process.argv.indexOf('--out');
const outDir = outArg > 0 ? process.argv[outArg + 1] : join(root, 'build/native');
const rpathOrigin = process.argv.includes('--rpath-origin');
const output = join(outDir, 'gradlens_native.node');
const strict = process.argv.includes('--strict');
const force = process.argv.includes('--force');

function finish(built, reason, extra = {}) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'status.json'),
    JSON.stringify({ built, reason, at: new Date().toISOString(), ...extra }, null, 2) + '\n',
  );
  if (built) {
    console.log(`gradlens: native kernels built (${output})`);
    process.exit(0);
  }
  console.warn(`gradlens: native kernels not built: ${reason}`);
  console.warn('gradlens: running on the WebAssembly kernels instead (slower); `npm run build:native` retries.');
  process.exit(strict ? 1 : 0);
}

if (process.env.GRADLENS_NATIVE === 'off') finish(false, 'GRADLENS_NATIVE=off');
if (process.platform !== 'linux' && process.platform !== 'darwin') {
  finish(false, `unsupported platform ${process.platform}`);
}

if (!force && outArg < 0 && platformPackageInstalled()) {
  console.log('gradlens: the prebuilt native engine package is installed; no source build needed');
  process.exit(0);
}

const sources = readdirSync(srcDir).filter((f) => f.endsWith('.cc')).map((f) => join(srcDir, f));
const newest = Math.max(...readdirSync(srcDir).map((f) => statSync(join(srcDir, f)).mtimeMs));
if (!force && existsSync(output) && statSync(output).mtimeMs > newest) {
  console.log(`gradlens: native kernels up to date (${output})`);
  process.exit(0);
}

const compiler = [process.env.CXX, 'g++', 'c++', 'clang++'].find((c) => c && spawnSync(c, ['--version']).status === 0);
if (!compiler) finish(false, 'no C++ compiler found (install g++, e.g. apt-get install g++)');

function platformPackageInstalled() {
  const libc = process.platform === 'linux'
    ? (process.report?.getReport().header.glibcVersionRuntime ? '-gnu' : '-musl')
    : '';
  try {
    createRequire(import.meta.url).resolve(
      `@gradlens/engine-${process.platform}-${process.arch}${libc}/gradlens_native.node`,
    );
    return true;
  } catch {
    return false;
  }
}

// Node-API is ABI-stable: any Node's headers do; prefer the node-api-headers package, then Node's own.
function nodeApiInclude() {
  try {
    const dir = createRequire(import.meta.url)('node-api-headers').include_dir;
    if (existsSync(join(dir, 'node_api.h'))) return dir;
  } catch { /* not installed */ }
  const candidates = [
    join(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  return candidates.find((d) => existsSync(join(d, 'node_api.h')));
}
const napiInclude = nodeApiInclude();
if (!napiInclude) {
  finish(false, 'node_api.h not found (npm install node-api-headers, or install Node with its headers)');
}

// oneDNN (Debian: libdnnl-dev) or a build of it under DNNL_ROOT.
const dnnlRoot = process.env.DNNL_ROOT;
const dnnlInclude = [dnnlRoot && join(dnnlRoot, 'include'), '/usr/include', '/usr/local/include'].find((d) =>
  d && existsSync(join(d, 'oneapi/dnnl/dnnl.hpp'))
);
if (!dnnlInclude) finish(false, "oneDNN's headers not found (apt-get install libdnnl-dev, or set DNNL_ROOT)");

// The architecture's baseline by default, so the addon runs on any CPU of its kind (see src/kernels.h).
const march = process.env.GRADLENS_NATIVE_MARCH;
const tmp = `${output}.${process.pid}.tmp`;
const args = [
  '-std=c++17',
  '-O3',
  ...(march ? [`-march=${march}`] : []),
  '-fPIC',
  '-shared',
  '-fopenmp',
  '-Wall',
  `-I${napiInclude}`,
  `-I${dnnlInclude}`,
  ...sources,
  ...(dnnlRoot ? [`-L${join(dnnlRoot, 'lib')}`, `-Wl,-rpath,${join(dnnlRoot, 'lib')}`] : []),
  // DT_RPATH (not RUNPATH) so oneDNN's own dependencies (OpenMP, OpenCL) are found beside it too.
  ...(rpathOrigin ? ['-Wl,--disable-new-dtags,-rpath,$ORIGIN'] : []),
  '-ldnnl',
  '-o',
  tmp,
];
mkdirSync(outDir, { recursive: true });
console.log(`gradlens: building native kernels with ${compiler} (oneDNN from ${dnnlInclude})`);
const result = spawnSync(compiler, args, { stdio: 'inherit' });
if (result.status !== 0) {
  // A stale addon from older sources must not outlive a failed build.
  rmSync(output, { force: true });
  rmSync(tmp, { force: true });
  finish(false, `${compiler} failed (exit ${result.status}); see the messages above`, {
    command: [compiler, ...args].join(' '),
  });
}
renameSync(tmp, output);
finish(true, undefined, { compiler, command: [compiler, ...args].join(' ') });
