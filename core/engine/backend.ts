import process from 'node:process';
import { tf } from '../tensor/tf.ts';
import { GradlensError } from '../errors/errors.ts';
import { registerGradients } from './gradients.ts';
import { registerMaskGrad } from './wasm/mask-grad.ts';
import { gradlensWasmKernels, registerWasmKernels } from './wasm/index.ts';
import { loadNative } from './native/addon.ts';
import { NATIVE_KERNELS, setNativeKernels } from './native/kernels.ts';

/** Backends in the order `auto` tries them: native GPU, native CPU, WebAssembly, plain JS. */
export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendRequest = BackendName | 'auto' | 'node-gpu' | 'node';

export interface BackendInfo {
  /** Which of {@link BACKENDS} this is. */
  id: BackendName;
  /** The tfjs backend name in use (`tensorflow` for tfjs-node and tfjs-node-gpu). */
  name: string;
  /** The package that provides it. */
  package: string;
  /** Extra facts worth recording (e.g. wasm SIMD and threads). */
  details: Record<string, string | boolean | number>;
  /** Backends tried before this one, with the reason each was skipped. */
  skipped: { name: string; reason: string }[];
}

const ALIASES: Record<string, BackendName> = {
  'node-gpu': 'tensorflow-gpu',
  'tfjs-node-gpu': 'tensorflow-gpu',
  node: 'tensorflow',
  'tfjs-node': 'tensorflow',
  tensorflow: 'tensorflow',
  'tensorflow-gpu': 'tensorflow-gpu',
  wasm: 'wasm',
  cpu: 'cpu',
};

let current: BackendInfo | undefined;

/** The backend chosen by {@link initBackend}, or undefined before it ran. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

/**
 * Selects and initialises the tfjs backend. `request` comes from `--backend`, else the
 * `GRADLENS_BACKEND` environment variable, else `auto`: tfjs-node-gpu, tfjs-node, wasm (SIMD), cpu.
 * The native packages are optional dependencies loaded dynamically; when one cannot load, the
 * next is tried and the reason kept in `skipped`. Idempotent for the same request.
 */
export async function initBackend(request?: string): Promise<BackendInfo> {
  // Silences tfjs's console advice ("install our node backend"); gradlens prints its own line.
  tf.env().set('PROD', true);
  const wanted = (request ?? envBackend() ?? 'auto').trim().toLowerCase();
  nativeThreads(); // a bad GRADLENS_THREADS is the user's error, not a reason to try the next backend
  if (current && (wanted === 'auto' || ALIASES[wanted] === current.id)) return current;
  const order: BackendName[] = wanted === 'auto' ? [...BACKENDS] : [resolve(wanted)];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    try {
      current = { ...(await activate(name)), skipped };
      // Same-valued gradients with fewer full-size passes (batch norm, ReLU); see gradients.ts.
      registerGradients();
      return current;
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      if (wanted !== 'auto') {
        throw new GradlensError(
          `backend '${wanted}' is not available here (${reason}). Use --backend auto, wasm or cpu.`,
          { where: '--backend' },
        );
      }
      skipped.push({ name, reason });
    }
  }
  throw new GradlensError('no tfjs backend could be initialised: ' + JSON.stringify(skipped));
}

function resolve(name: string): BackendName {
  const backend = ALIASES[name];
  if (!backend) {
    throw new GradlensError(
      `unknown backend '${name}'; expected one of auto, ${Object.keys(ALIASES).join(', ')}`,
      { where: '--backend' },
    );
  }
  return backend;
}

/** oneDNN threads per engine: `GRADLENS_THREADS`, default 1 (`--workers` runs one engine per core). */
function nativeThreads(): number {
  const value = Number(process.env.GRADLENS_THREADS ?? 1);
  if (!Number.isInteger(value) || value < 1) {
    throw new GradlensError(
      `must be a whole number >= 1 (oneDNN threads per engine), got '${process.env.GRADLENS_THREADS}'`,
      {
        where: 'GRADLENS_THREADS',
      },
    );
  }
  return value;
}

function envBackend(): string | undefined {
  const value = process.env.GRADLENS_BACKEND;
  return value && value.length > 0 ? value : undefined;
}

async function activate(name: BackendName): Promise<Omit<BackendInfo, 'skipped'>> {
  if (name === 'tensorflow-gpu' || name === 'tensorflow') {
    const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
    // A variable specifier keeps bundlers and type checkers from requiring the optional package.
    const specifier: string = pkg;
    await import(specifier);
    if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but did not start`);
    return { id: name, name: 'tensorflow', package: pkg, details: {} };
  }
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
    await tf.ready();
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
    // Missing gradient kernels and fast conv input gradients (core/engine/wasm/).
    registerWasmKernels();
    const details: BackendInfo['details'] = { simd, threads, gradlensKernels: gradlensWasmKernels.length };
    // The heavy kernels (NATIVE_KERNELS) through oneDNN where the native addon is built
    // (core/engine/native/); the wasm kernels otherwise.
    const native = loadNative();
    const nthreads = nativeThreads();
    if (native.addon && setNativeKernels(true, nthreads)) {
      const { onednn, isa } = native.addon.info();
      details.native = `oneDNN ${onednn} ${isa}, ${NATIVE_KERNELS.length} kernels, ${nthreads} thread(s)`;
      details.nativeFrom = native.source.kind === 'package' ? native.source.name : 'source build';
    } else {
      details.nativeSkipped = native.reason ?? 'unavailable';
    }
    return { id: 'wasm', name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', details };
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not start');
  await tf.ready();
  registerMaskGrad('cpu');
  return { id: 'cpu', name: 'cpu', package: '@tensorflow/tfjs-backend-cpu', details: {} };
}

/** One line for logs: `wasm (@tensorflow/tfjs-backend-wasm, simd)`. */
export function describeBackend(info: BackendInfo): string {
  const flags = Object.entries(info.details)
    .filter(([, v]) => v !== false)
    .map(([k, v]) => (v === true ? k : `${k}=${v}`));
  return `${info.name} (${[info.package, ...flags].join(', ')})`;
}
