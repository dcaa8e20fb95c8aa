/**
 * `tsx bench/profile.ts [workload] [method] [batch]`: where the time of one attribution call goes,
 * by tfjs kernel (tf.profile; wasm kernels, native ones included, are synchronous, so kernel times
 * are wall times) plus the time outside kernels (JS: noise, chunking, the tape). Defaults:
 * mobilenetv2 vanilla 4, wasm with the native oneDNN kernels when built. `--backend NAME` picks
 * another backend, `--native off` runs gradlens' wasm kernels alone, `--threads N` gives the native
 * kernels N OpenMP threads. Prints the kernels taking >= 0.5% of the total.
 */
import process from 'node:process';
import { describeBackend, initBackend } from '../core/engine/backend.ts';
import { loadNative } from '../core/engine/native/addon.ts';
import { nativeKernelsActive, setNativeKernels } from '../core/engine/native/kernels.ts';
import { tf } from '../core/tensor/tf.ts';
import { prepareMethod } from '../core/pipeline/methods.ts';
import type { AttributionPlugin } from '../core/plugins/types.ts';
import { fromLayersModel } from '../core/models/layers.ts';
import { integratedGradients } from '../plugins/attributions/integrated-gradients.ts';
import { smoothgrad } from '../plugins/attributions/smoothgrad.ts';
import { vanillaGradient } from '../plugins/attributions/vanilla-gradient.ts';
import { WORKLOADS } from './workloads.ts';

const args = process.argv.slice(2);
const take = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const backend = take('backend') ?? 'wasm';
const nativeOff = take('native') === 'off';
const threads = Number(take('threads') ?? 1);
const [name = 'mobilenetv2', method = 'vanilla', batchText] = args;
const workload = WORKLOADS.find((w) => w.name === name);
if (!workload) throw new Error(`unknown workload ${name}`);
const batch = Number(batchText ?? (name === 'mobilenetv2' ? 4 : workload.batch));
const backendInfo = await initBackend(backend);
if (backend === 'wasm') {
  // Before any computation: oneDNN primitives are built for the thread count they first run with.
  setNativeKernels(!nativeOff, threads);
}
const model = fromLayersModel(await workload.build());
const x = tf.randomUniform([batch, ...workload.inputShape], 0, 1, 'float32', 1);
const targets = tf.randomUniform([batch], 0, workload.classes, 'int32', 2);
const plugins = {
  vanilla: [vanillaGradient, {}],
  smoothgrad: [smoothgrad, { samples: 50, seed: 1 }],
  ig: [integratedGradients, { steps: 50 }],
} as const;
const [plugin, options] = plugins[method as keyof typeof plugins];
// Prepared as a run prepares it: options parsed, the noise tunnel's base bound.
const prepared = prepareMethod(plugin as AttributionPlugin, options, plugin.name, { resolve: () => vanillaGradient });
const run = async () => {
  const out = await prepared.attribute({ model, x, targets, output: model.outputs[0].name });
  await out.map.data();
  tf.dispose([out.map, ...Object.values(out.perSample ?? {})]);
};
await run();
const t0 = performance.now();
await run();
const plain = performance.now() - t0;
const t1 = performance.now();
const info = await tf.profile(run);
const profiled = performance.now() - t1;
const byKernel = new Map<string, { ms: number; calls: number }>();
for (const k of info.kernels) {
  const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
  entry.ms += Number(k.kernelTimeMs) || 0;
  entry.calls++;
  byKernel.set(k.name, entry);
}
const kernelMs = [...byKernel.values()].reduce((a, b) => a + b.ms, 0);
const native = nativeKernelsActive()
  ? `native kernels on, ${threads} thread(s)`
  : `native kernels off (${nativeOff ? '--native off' : loadNative().reason ?? backend})`;
console.log(`${describeBackend(backendInfo)}; ${native}`);
console.log(
  `${name} ${method} batch ${batch} on ${backend}: ${plain.toFixed(0)} ms unprofiled; profiled ${
    profiled.toFixed(0)
  } ms, of which kernels ${kernelMs.toFixed(0)} ms`,
);
for (const [kernel, { ms, calls }] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms)) {
  if (ms < 0.005 * kernelMs) continue;
  console.log(
    `  ${kernel.padEnd(36)} ${ms.toFixed(1).padStart(8)} ms ${
      (100 * ms / kernelMs).toFixed(1).padStart(5)
    }%  ${calls} calls`,
  );
}
process.exit(0);
