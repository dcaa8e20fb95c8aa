/**
 * Builds the dashboard page into ui/dist/: app.js (Preact app bundled by esbuild), app.css,
 * index.html and favicon.svg. Everything is served locally; the page loads nothing from outside.
 * `ensureBuilt()` rebuilds only when a source under ui/app is newer than the bundle.
 * Usage: `tsx ui/build.ts [--out DIR]` (or `npm run build:ui`); the npm package's build
 * (scripts/build.mjs) writes it into dist/ui/dist, where the compiled server serves it from.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const UI = fileURLToPath(new URL('.', import.meta.url));
const APP = join(UI, 'app');
export const DIST = join(UI, 'dist');
const COPIED = ['index.html', 'style.css:app.css', 'favicon.svg'];
/** Sources the bundle is built from: the app, and the core modules it bundles (colour maps). */
const SOURCES = [APP, join(UI, 'render'), join(UI, '..', 'core', 'render')];

/** Newest modification time among files under `dir` (and the shared core types they import). */
function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const s = statSync(path);
    t = Math.max(t, s.isDirectory() ? newest(path) : s.mtimeMs);
  }
  return t;
}

/** True when ui/dist lacks a file or is older than a source under ui/app, ui/render or core/render. */
export function isStale(): boolean {
  const outputs = ['app.js', 'app.css', 'index.html', 'favicon.svg'].map((f) => join(DIST, f));
  if (!outputs.every(existsSync)) return true;
  const built = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
  return Math.max(...SOURCES.map(newest)) > built;
}

export async function build(
  options: { minify?: boolean; out?: string } = {},
): Promise<{ ms: number; bytes: number }> {
  const t0 = Date.now();
  const esbuild = await import('esbuild');
  const out = options.out ?? DIST;
  mkdirSync(out, { recursive: true });
  await esbuild.build({
    entryPoints: [join(APP, 'main.tsx')],
    outfile: join(out, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: options.minify ?? true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  await esbuild.stop?.();
  for (const entry of COPIED) {
    const [from, to = from] = entry.split(':');
    copyFileSync(join(APP, from), join(out, to));
  }
  return { ms: Date.now() - t0, bytes: statSync(join(out, 'app.js')).size };
}

/** Builds when missing or stale; returns whether it built. */
export async function ensureBuilt(log: (text: string) => void = () => {}): Promise<boolean> {
  if (!isStale()) return false;
  log('building the dashboard (ui/dist)…\n');
  const { ms, bytes } = await build();
  log(`built ui/dist/app.js (${(bytes / 1024).toFixed(0)} KiB) in ${ms} ms\n`);
  return true;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('ui/build.ts')) {
  const at = process.argv.indexOf('--out');
  const out = at > 0 ? process.argv[at + 1] : DIST;
  const { ms, bytes } = await build({ out });
  process.stdout.write(`${join(out, 'app.js')}: ${(bytes / 1024).toFixed(0)} KiB in ${ms} ms\n`);
}
