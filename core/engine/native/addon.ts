/**
 * The gradlens native addon: convolutions, matrix products, max-pool gradients and batch norm
 * through oneDNN (the library PyTorch's CPU kernels use), compiled from core/engine/native/src at
 * `npm install` by scripts/build-native.mjs when a C++ compiler and oneDNN's headers are present
 * (Debian: `apt-get install g++ libdnnl-dev`). Node and Deno load the same Node-API file. When it is
 * absent or disabled (`GRADLENS_NATIVE=off`), gradlens runs on its WebAssembly kernels alone and
 * {@link loadNative} says why.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

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

/** Where scripts/build-native.mjs writes the addon and its status. */
export const NATIVE_BUILD_DIR = fileURLToPath(new URL('./build/', import.meta.url));
const ADDON_FILE = NATIVE_BUILD_DIR + 'gradlens_native.node';
const STATUS_FILE = NATIVE_BUILD_DIR + 'status.json';

export type NativeLoad = { addon: NativeAddon; reason?: undefined } | { addon?: undefined; reason: string };

let loaded: NativeLoad | undefined;

/** The addon, or the reason it is not used. Cached; `GRADLENS_NATIVE=off` (or 0) disables it. */
export function loadNative(): NativeLoad {
  if (loaded) return loaded;
  const setting = (process.env.GRADLENS_NATIVE ?? '').trim().toLowerCase();
  if (setting === 'off' || setting === '0' || setting === 'false') {
    return loaded = { reason: `disabled by GRADLENS_NATIVE=${process.env.GRADLENS_NATIVE}` };
  }
  if (!existsSync(ADDON_FILE)) return loaded = { reason: notBuiltReason() };
  try {
    const addon = createRequire(import.meta.url)(ADDON_FILE) as NativeAddon;
    return loaded = { addon };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    // Deno loads Node-API addons only with FFI permission; that needs a flag, not a rebuild.
    const fix = /ffi/i.test(message) ? 'run Deno with --allow-ffi (or -A)' : 'rebuild it with npm run build:native';
    return loaded = { reason: `${ADDON_FILE} did not load (${message}); ${fix}` };
  }
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
