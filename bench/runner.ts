/**
 * The tfjs side of bench/main.ts's interleaved measurements: a process holding one backend at one
 * thread count that times attribution calls on request (protocol: bench/serve.ts).
 *
 *   tsx bench/runner.ts --backend wasm|cpu [--stock] [--threads N]
 *
 * `--stock`: tfjs-backend-wasm as installed (gradlens registers nothing; only variant `tfjs`).
 * Otherwise `initBackend`, and the variants are `tfjs` (cpu only: plain tf.grad with tfjs's own
 * gradients), `gradlens` (the attribution path; on wasm with the native kernels off) and
 * `gradlens+onednn` (wasm, native kernels on with N OpenMP threads). Hello line: `{ready, native,
 * nativeReason, wasmThreads}`. Request: `{workload, batch, method, variant, budget, maxIterations}`;
 * reply `{ms}`: the milliseconds of each timed call after one untimed warm-up call, each result read
 * back so the work is inside the timed region.
 */
import process from 'node:process';
import { selectTargetScores } from '../core/attribution/scores.ts';
import { initBackend } from '../core/engine/backend.ts';
import { registerGradients, restoreStockGradients } from '../core/engine/gradients.ts';
import { loadNative } from '../core/engine/native/addon.ts';
import { NATIVE_KERNELS, setNativeKernels } from '../core/engine/native/kernels.ts';
import { tf } from '../core/tensor/tf.ts';
import { fromLayersModel } from '../core/models/layers.ts';
import type { AttributionPlugin, LoadedModel } from '../core/plugins/types.ts';
import { integratedGradients } from '../plugins/attributions/integrated-gradients.ts';
import { smoothgrad } from '../plugins/attributions/smoothgrad.ts';
import { prepareMethod } from '../core/pipeline/methods.ts';
import { vanillaGradient } from '../plugins/attributions/vanilla-gradient.ts';
import { timeCalls } from './measure.ts';
import { serveLines } from './serve.ts';
import { WORKLOADS } from './workloads.ts';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const backend = option('backend') ?? 'wasm';
const stock = args.includes('--stock');
const threads = Number(option('threads') ?? 1);

interface Prepared {
  model: tf.LayersModel;
  loaded: LoadedModel;
  x: tf.Tensor;
  targets: tf.Tensor;
}

let native: string | undefined;
let nativeReason: string | undefined;
if (stock) {
  tf.env().set('PROD', true);
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend(backend);
  await tf.ready();
} else {
  await initBackend(backend);
  if (backend === 'wasm') {
    // Before any computation, so every oneDNN primitive is built for this thread count.
    if (setNativeKernels(true, threads)) {
      const { onednn, isa } = loadNative().addon!.info();
      native = `oneDNN ${onednn} (${isa}): ${NATIVE_KERNELS.join(', ')}`;
    } else nativeReason = loadNative().reason ?? 'unavailable';
  }
}
const wasmThreads = backend === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) : false;

const prepared = new Map<string, Prepared>();
async function prepare(workload: string, batch: number): Promise<Prepared> {
  const key = `${workload}|${batch}`;
  const found = prepared.get(key);
  if (found) return found;
  const w = WORKLOADS.find((w) => w.name === workload);
  if (!w) throw new Error(`unknown workload ${workload}`);
  const model = await w.build();
  const x = tf.randomUniform([batch, ...w.inputShape], 0, 1, 'float32', 1);
  const targets = tf.randomUniform([batch], 0, w.classes, 'int32', 2);
  const p = { model, loaded: fromLayersModel(model), x, targets };
  prepared.set(key, p);
  return p;
}

/** Plain tfjs: one tf.grad over model.apply, as a user would write it. */
function plainGradient(p: Prepared): tf.Tensor {
  return tf.tidy(() =>
    tf.grad((v: tf.Tensor) => tf.sum(selectTargetScores(p.model.apply(v) as tf.Tensor2D, p.targets)))(p.x)
  );
}

/** A method as a run computes it (prepared once: options parsed, the wrapped base bound). */
function attribution<O>(plugin: AttributionPlugin<O>, options: Record<string, unknown>) {
  const method = prepareMethod(plugin as AttributionPlugin, options, plugin.name, { resolve: () => vanillaGradient });
  return async (p: Prepared): Promise<tf.Tensor> => {
    const out = await method.attribute({
      model: p.loaded,
      x: p.x,
      targets: p.targets,
      output: p.loaded.outputs[0].name,
    });
    for (const t of Object.values(out.perSample ?? {})) t.dispose();
    return out.map;
  };
}

const METHODS: Record<string, (p: Prepared) => Promise<tf.Tensor>> = {
  vanilla: attribution(vanillaGradient, {}),
  'smoothgrad-50': attribution(smoothgrad, { samples: 50, seed: 1 }),
  'ig-50': attribution(integratedGradients, { steps: 50 }),
};

interface Request {
  workload: string;
  batch: number;
  method: string;
  variant: string;
  budget: number;
  maxIterations: number;
}

/** Puts the process in the variant's kernel state; returns the computation. */
function select(r: Request): (p: Prepared) => tf.Tensor | Promise<tf.Tensor> {
  if (r.variant === 'tfjs') {
    if (r.method !== 'vanilla') throw new Error('variant tfjs measures vanilla only');
    if (!stock && backend !== 'cpu') throw new Error('stock tfjs on wasm needs a --stock process');
    return plainGradient;
  }
  if (stock) throw new Error(`a --stock process has no variant ${r.variant}`);
  const method = METHODS[r.method];
  if (!method) throw new Error(`unknown method ${r.method}`);
  if (r.variant === 'gradlens+onednn') {
    if (!setNativeKernels(true, threads)) throw new Error(`native kernels unavailable: ${nativeReason}`);
  } else if (r.variant === 'gradlens') {
    if (backend === 'wasm') setNativeKernels(false);
  } else {
    throw new Error(`unknown variant ${r.variant}`);
  }
  return method;
}

await serveLines({ ready: true, native, nativeReason, wasmThreads }, async (r: Request) => {
  const run = select(r);
  const p = await prepare(r.workload, r.batch);
  // On cpu, stock tfjs also means tfjs's own gradients (gradlens registers batch-norm/ReLU ones).
  const stockGradients = backend === 'cpu' && r.variant === 'tfjs';
  if (stockGradients) restoreStockGradients();
  try {
    return { ms: await timeCalls(() => run(p), r.budget, r.maxIterations) };
  } finally {
    if (stockGradients) registerGradients();
  }
});
process.exit(0);
