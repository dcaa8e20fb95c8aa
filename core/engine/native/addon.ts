/**
 * The gradlens native addon: convolutions, matrix products, max-pool gradients and batch norm
 * through oneDNN (the library PyTorch's CPU kernels use). It comes prebuilt in a per-platform
 * optional package (`@gradlens/engine-linux-x64-gnu`, with oneDNN and OpenMP beside it), or is
 * compiled from core/engine/native/src at `npm install` by scripts/build-native.mjs when a C++
 * compiler and oneDNN's headers are present (Debian: `apt-get install g++ libdnnl-dev`). Node and
 * Deno load the same Node-API file. When neither is there or it is disabled
 * (`GRADLENS_NATIVE=off`), gradlens runs on its WebAssembly kernels alone and {@link loadNative}
 * says why.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';
import { join } from 'node:path';
import { packageRoot } from '../../io/module-url.ts';

/** Float32 views of tfjs-backend-wasm's heap; used in place. */
type F32 = Float32Array;

export interface NativeAddon {
  conv2d(x: F32, filter: F32, bias: F32 | null, y: F32, shape: Int32Array, activation: number, alpha: number): void;
  convBackwardData(dy: F32, filter: F32, dx: F32, shape: Int32Array): void;
  matmul(a: F32, b: F32, c: F32, shape: Int32Array): void;
  biasActivation(y: F32, bias: F32 | null, rows: number, cols: number, activation: number, alpha: number): void;
  maxPoolGrad(x: F32, dy: F32, dx: F32, shape: Int32Array): void;
  avgPoolGrad(dy: F32, dx: F32, shape: Int32Array): void;
  batchNorm(
    x: F32,
    mean: F32,
    variance: F32,
    offset: F32 | null,
    scale: F32 | null,
    y: F32,
    channels: number,
    eps: number,
  ): void;
  slice(x: F32, y: F32, axes: Int32Array): void;
  pad(x: F32, y: F32, axes: Int32Array, value: number): void;
  setThreads(n: number): void;
  info(): { onednn: string; isa: string; threads: number };
}

/** Where scripts/build-native.mjs writes a local source build and its status. */
export const NATIVE_BUILD_DIR: string = join(packageRoot(), 'build', 'native');
const ADDON_FILE = join(NATIVE_BUILD_DIR, 'gradlens_native.node');
const STATUS_FILE = join(NATIVE_BUILD_DIR, 'status.json');

/** Where the addon came from: a prebuilt platform package, or a local source build. */
export type NativeSource = { kind: 'package'; name: string; file: string } | { kind: 'source-build'; file: string };

export type NativeLoad =
  | { addon: NativeAddon; source: NativeSource; tried: string[]; reason?: undefined }
  | { addon?: undefined; source?: undefined; tried: string[]; reason: string };

let loaded: NativeLoad | undefined;

/**
 * The prebuilt package for this platform, e.g. `@gradlens/engine-linux-x64-gnu`: the compiled addon
 * with the oneDNN and OpenMP libraries it links, found beside it through its `$ORIGIN` rpath.
 */
export function platformPackage(): string {
  const libc = process.platform === 'linux' ? (glibc() ? '-gnu' : '-musl') : '';
  return `@gradlens/engine-${process.platform}-${process.arch}${libc}`;
}

/**
 * The addon, or the reason it is not used; `tried` says what was looked at, in order: the
 * platform package, then a local source build. Cached; `GRADLENS_NATIVE=off` (or 0) disables it.
 */
export function loadNative(): NativeLoad {
  if (loaded) return loaded;
  const setting = (process.env.GRADLENS_NATIVE ?? '').trim().toLowerCase();
  if (setting === 'off' || setting === '0' || setting === 'false') {
    return loaded = { tried: [], reason: `disabled by GRADLENS_NATIVE=${process.env.GRADLENS_NATIVE}` };
  }
  const tried: string[] = [];
  const name = platformPackage();
  const require = createRequire(import.meta.url);
  let file: string | undefined;
  try {
    file = require.resolve(`${name}/gradlens_native.node`);
  } catch {
    tried.push(`${name}: not installed`);
  }
  if (file) {
    const r = tryLoad(file);
    if (r.addon) return loaded = { addon: r.addon, source: { kind: 'package', name, file }, tried };
    tried.push(`${name}: ${r.reason}`);
  }
  if (!existsSync(ADDON_FILE)) {
    tried.push(`source build: ${notBuiltReason()}`);
    return loaded = { tried, reason: tried.join('; ') };
  }
  const r = tryLoad(ADDON_FILE);
  if (r.addon) return loaded = { addon: r.addon, source: { kind: 'source-build', file: ADDON_FILE }, tried };
  tried.push(`source build: ${r.reason}; rebuild it with npm run build:native`);
  return loaded = { tried, reason: tried.join('; ') };
}

function tryLoad(file: string): { addon?: NativeAddon; reason: string } {
  try {
    return { addon: createRequire(import.meta.url)(file) as NativeAddon, reason: '' };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    // Deno loads Node-API addons only with FFI permission; that needs a flag, not a rebuild.
    const fix = /ffi/i.test(message) ? '; run Deno with --allow-ffi (or -A)' : '';
    return { reason: `${file} did not load (${message})${fix}` };
  }
}

function glibc(): boolean {
  const report = (process as { report?: { getReport(): unknown } }).report?.getReport() as
    | { header?: { glibcVersionRuntime?: string } }
    | undefined;
  return Boolean(report?.header?.glibcVersionRuntime);
}

function notBuiltReason(): string {
  try {
    const status = JSON.parse(readFileSync(STATUS_FILE, 'utf8')) as { reason?: string };
    if (status.reason) return `not built: ${status.reason}`;
  } catch {
    // No status: the build script never ran (e.g. npm install --ignore-scripts).
  }
  return 'not built; run npm run build:native (needs g++ and oneDNN: apt-get install g++ libdnnl-dev)';
}

/**
 * The shared libraries of the native engine this process has mapped (oneDNN, OpenMP, OpenCL),
 * read from /proc/self/maps on Linux: the proof of which copies the loader picked.
 */
export function nativeLibraries(): string[] {
  try {
    const maps = readFileSync('/proc/self/maps', 'utf8');
    const files = maps.split('\n').map((l) => l.split(/\s+/).slice(5).join(' ')).filter((f) =>
      /\/(libdnnl|libgomp|libOpenCL|gradlens_native)[^/]*$/.test(f)
    );
    return [...new Set(files)].sort();
  } catch {
    return [];
  }
}
