/**
 * `npm run bench`: vanilla-gradient throughput of three vision workloads on every tfjs backend
 * available here, against PyTorch on the same architecture, batch and thread count, measured in
 * the same run. Prints a table; writes bench/results/latest.json and docs/bench.md.
 *
 * Variants: `tfjs` is plain tfjs (tf.grad over model.apply, stock kernels: fused ops compute
 * weight gradients, wasm uses its own Conv2DBackpropInput loop); `gradlens` is the attribution
 * path (input-only gradients, gradlens' wasm kernels). Stock wasm is measured before gradlens
 * registers its kernels.
 *
 * Options: --budget S (seconds per measurement, default 1.5), --workloads a,b, --skip-torch,
 * --cpu-all (also MobileNetV2 on the cpu backend: minutes), --skip-workers (the worker/memory table).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import process from 'node:process';
import { selectTargetScores } from '../core/attribution/scores.ts';
import { initBackend } from '../core/engine/backend.ts';
import { tf } from '../core/engine/tf.ts';
import { fromLayersModel } from '../core/models/layers.ts';
import type { AttributionPlugin, LoadedModel } from '../core/plugins/types.ts';
import { integratedGradients } from '../plugins/attributions/integrated-gradients.ts';
import { smoothgrad } from '../plugins/attributions/smoothgrad.ts';
import { vanillaGradient } from '../plugins/attributions/vanilla-gradient.ts';
import { measure } from './measure.ts';
import { formatTable, type Row } from './table.ts';
import { type Workload, WORKLOADS } from './workloads.ts';
import { benchWorkers, formatWorkerTable, type WorkerRow } from './workers.ts';
import { registerGradients, restoreStockGradients } from '../core/engine/gradients.ts';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const budget = Number(option('budget') ?? 1.5);
const selected = option('workloads')?.split(',');
const workloads = WORKLOADS.filter((w) => !selected || selected.includes(w.name));
const threads = 1;
/** Batch of the 50-pass methods (SmoothGrad, IG) on the Fashion-MNIST workload. */
const SMALL_BATCH = 32;
const root = new URL('..', import.meta.url).pathname;
/** What the profile said, kept under the table in docs/bench.md. */
const NOTES =
  `## Notes (profiles by \`tsx bench/profile.ts WORKLOAD METHOD BATCH\`, tf.profile kernel times; 2-core machine shared with other work)

- Measurements on a shared machine vary: load from other work moved PyTorch's numbers by up to 2x
  between runs (it runs after the tfjs rows). Ratios are indicative; repeat \`npm run bench\` on a
  quiet machine for targets.
- Stock tfjs wasm cannot differentiate MobileNetV2 at all (missing kernels); gradlens adds them.
- MobileNetV2 (c) on wasm went from 8.7 s to ~1.75 s per batch of 8. Removed: tfjs's batch-norm
  gradient \`Tile\` (was ~48%: now dy * (scale * rsqrt(var + eps)) broadcast, core/engine/gradients.ts),
  the four/five-kernel ReLU6 and ClipByValue gradients (was ~15%: one SIMD pass,
  core/engine/wasm/mask-grad.ts, and ReLU(6) layers run as one Relu6 under a tape), wasm's
  copying \`Identity\` behind every tensor the tape saves (~6%), and \`Reverse\`/\`Slice\` copies in the
  conv input gradients. What bounds it now (batch 4): forward \`Conv2D\` ~22%, \`Conv2DBackpropInput\`
  (1x1 convs through XNNPACK) ~17-25%, forward \`FusedBatchNorm\` ~9-20%, depthwise input gradient
  ~9%, depthwise forward ~5-7%, the ReLU mask ~5%: XNNPACK's convolutions plus an unfused batch norm.
  Next: fold inference batch norm into the preceding conv's weights under a tape (removes a
  full pass forward and backward per layer), then a SIMD depthwise input gradient.
  Workload (c) uses nsfwjs's pretrained MobileNetV2 (5 classes); PyTorch runs torchvision's with the same head.
- Fashion-MNIST vanilla (batch 256): \`Conv2D\` ~31%, \`Conv2DBackpropInput\` ~28% (XNNPACK),
  \`MaxPoolGrad\` ~17% (a JS loop, now channel-contiguous), \`BatchMatMul\` ~8%.
- SmoothGrad-50 / IG-50 (batch 32 = 1,600 evaluations): \`tf.tile\` of the inputs cost more than the
  model on wasm (a Tile is ~15x slower than a concat there); noise-tunnel now broadcasts x and sigma
  and \`repeatPasses\` concatenates, same values bit for bit. Per evaluation they are now within
  ~15% of vanilla; what remains outside the model is the seeded Gaussian noise in JS (tfjs's
  \`randomNormal\`, ~5%), kept because it defines the documented per-(seed, pass, sample) noise.
- Workers: each worker is a thread with its own wasm engine and model (~300 MiB each here), so 2
  workers double peak RSS; on this shared 2-core machine the second worker adds little or loses
  (the other core was busy). Peak RSS of 10,000 images is within ~10% of 1,000 (batches stream;
  at most two batches per worker are in flight).
`;

interface Prepared {
  workload: Workload;
  model: tf.LayersModel;
  loaded: LoadedModel;
  x: tf.Tensor;
  targets: tf.Tensor;
}

async function prepare(workload: Workload): Promise<Prepared> {
  const model = await workload.build();
  const x = tf.randomUniform([workload.batch, ...workload.inputShape], 0, 1, 'float32', 1);
  const targets = tf.randomUniform([workload.batch], 0, workload.classes, 'int32', 2);
  return { workload, model, loaded: fromLayersModel(model), x, targets };
}

/** Plain tfjs: one tf.grad over model.apply, as a user would write it. */
function plainGradient(p: Prepared): tf.Tensor {
  return tf.tidy(() =>
    tf.grad((v: tf.Tensor) => tf.sum(selectTargetScores(p.model.apply(v) as tf.Tensor2D, p.targets)))(p.x)
  );
}

function attribution<O>(plugin: AttributionPlugin<O>, options: unknown) {
  const parsed = plugin.options.parse(options);
  return async (p: Prepared): Promise<tf.Tensor> => {
    const out = await plugin.attribute(
      { model: p.loaded, x: p.x, targets: p.targets, output: p.loaded.outputs[0].name },
      parsed,
    );
    if (out instanceof tf.Tensor) return out;
    for (const t of Object.values(out.perSample ?? {})) t.dispose();
    return out.map;
  };
}

const rows: Row[] = [];

async function bench(
  p: Prepared,
  backend: string,
  variant: string,
  method: string,
  run: (p: Prepared) => tf.Tensor | Promise<tf.Tensor>,
) {
  const label = `${p.workload.name} ${method} ${backend}/${variant}`;
  process.stderr.write(`  ${label} ...`);
  const row: Row = { workload: p.workload.name, batch: p.workload.batch, method, backend, variant, threads };
  try {
    const timing = await measure(() => run(p), budget, 20);
    row.msPerBatch = timing.msPerCall;
    row.imagesPerSecond = (p.workload.batch * 1000) / timing.msPerCall;
    row.iterations = timing.iterations;
    process.stderr.write(` ${row.imagesPerSecond.toFixed(1)} images/s\n`);
  } catch (error) {
    row.error = (error as Error).message.split('\n')[0].slice(0, 120);
    process.stderr.write(` failed: ${row.error}\n`);
  }
  rows.push(row);
}

// 1. Stock tfjs wasm, before gradlens registers its kernels.
process.stderr.write('tfjs wasm, stock kernels\n');
await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend('wasm');
await tf.ready();
for (const w of workloads) {
  const p = await prepare(w);
  await bench(p, 'wasm', 'tfjs', 'vanilla', plainGradient);
  tf.dispose([p.x, p.targets]);
  p.model.dispose();
}

// 2. gradlens on wasm (its kernels registered) and on cpu.
const vanilla = attribution(vanillaGradient, {});
for (const backend of ['wasm', 'cpu']) {
  process.stderr.write(`gradlens, ${backend}\n`);
  await initBackend(backend);
  for (const w of workloads) {
    if (backend === 'cpu' && w.name === 'mobilenetv2' && !args.includes('--cpu-all')) {
      rows.push({
        workload: w.name,
        batch: w.batch,
        method: 'vanilla',
        backend,
        variant: 'gradlens',
        threads,
        error: 'skipped: tens of seconds per batch on tfjs cpu (--cpu-all runs it)',
      });
      continue;
    }
    const p = await prepare(w);
    if (backend === 'cpu') {
      // Stock tfjs: its own gradients too (gradlens registered its batch-norm/ReLU ones).
      restoreStockGradients();
      await bench(p, backend, 'tfjs', 'vanilla', plainGradient);
      registerGradients();
    }
    await bench(p, backend, 'gradlens', 'vanilla', vanilla);
    if (backend === 'wasm' && w.name === 'fashion') {
      // 50 gradient passes per image: a batch of 32 keeps each measurement to seconds.
      const small = {
        ...p,
        workload: { ...w, batch: SMALL_BATCH },
        x: p.x.slice(0, SMALL_BATCH),
        targets: p.targets.slice(0, SMALL_BATCH),
      };
      await bench(small, backend, 'gradlens', 'smoothgrad-50', attribution(smoothgrad, { samples: 50, seed: 1 }));
      await bench(small, backend, 'gradlens', 'ig-50', attribution(integratedGradients, { steps: 50 }));
      tf.dispose([small.x, small.targets]);
    }
    tf.dispose([p.x, p.targets]);
    p.model.dispose();
  }
}

// 3. PyTorch, same architectures, batches and threads.
const torch: Record<string, number> = {};
let torchVersion = 'not run';
if (!args.includes('--skip-torch')) {
  process.stderr.write(`PyTorch, ${threads} thread(s)\n`);
  const methods: Record<string, string> = { vanilla: 'vanilla', 'smoothgrad-50': 'smoothgrad', 'ig-50': 'ig' };
  const runs = [...new Set(rows.map((r) => `${r.workload}|${r.method}`))].map((key) => {
    const [workload, method] = key.split('|');
    const batch = rows.find((r) => r.workload === workload && r.method === method)!.batch;
    return { workload, batch, method: methods[method], label: method, max_iterations: 20 };
  });
  const result = spawnSync('/usr/bin/python3', [
    `${root}bench/torch_reference.py`,
    JSON.stringify({ threads, budget, runs }),
  ], { encoding: 'utf8' });
  if (result.status !== 0) process.stderr.write(`PyTorch reference failed: ${result.stderr}\n`);
  for (const line of (result.stdout ?? '').split('\n').filter(Boolean)) {
    const r = JSON.parse(line);
    const label = runs.find((x) => x.workload === r.workload && x.method === r.method)!.label;
    torch[`${r.workload}|${label}`] = r.images_per_s;
  }
  const v = spawnSync('/usr/bin/python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  torchVersion = v.stdout?.trim() || 'unknown';
}
for (const row of rows) {
  const t = torch[`${row.workload}|${row.method}`];
  if (t !== undefined) {
    row.torchImagesPerSecond = t;
    if (row.imagesPerSecond) row.torchOverTfjs = t / row.imagesPerSecond;
  }
}

let workerRows: WorkerRow[] = [];
if (!args.includes('--skip-workers')) {
  process.stderr.write('gradlens attribute end to end: workers and peak memory\n');
  workerRows = benchWorkers(budget, args.includes('--skip-torch'));
}

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  platform: `${os.platform()} ${os.release()}`,
  runtime: `node ${process.versions.node}`,
  tfjs: tf.version.tfjs,
  torch: torchVersion,
  threads,
  budgetSeconds: budget,
  date: new Date().toISOString(),
};
const table = formatTable(rows);
console.log(table);
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(`${root}bench/results/latest.json`, JSON.stringify({ machine, rows, workerRows }, null, 2) + '\n');
writeFileSync(
  `${root}docs/bench.md`,
  [
    '# Benchmark: input gradients, gradlens on tfjs vs PyTorch',
    '',
    'Produced by `npm run bench` (bench/main.ts; PyTorch side bench/torch_reference.py). Images per',
    'second of one attribution call on a batch; random inputs, trained weights where installed; single-threaded on both',
    'sides. `tfjs` = plain `tf.grad` over `model.apply` with stock kernels; `gradlens` = the',
    'attribution path (input-only gradients, gradlens wasm kernels). `torch/tfjs` > 1 means PyTorch',
    'is faster. The machine was shared with other work while measuring, so compare ratios within',
    'this run rather than absolute numbers across runs.',
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform};`,
    `${machine.runtime}, tfjs ${machine.tfjs}, PyTorch ${machine.torch}; ${machine.date}.`,
    '',
    table,
    '',
    ...(workerRows.length
      ? [
        '## Workers and memory: `gradlens attribute`, Fashion-MNIST CNN, vanilla gradient, wasm, batch 256',
        '',
        'End to end in a child process (start-up, loading the model in every worker, reading and writing',
        '.npy included); PyTorch: the same batch loop in 1 and 2 threads (no start-up or I/O). Peak RSS',
        "is /usr/bin/time's maximum resident set of the whole process (workers are threads of it).",
        '',
        formatWorkerTable(workerRows),
        '',
      ]
      : []),
    NOTES,
  ].join('\n'),
);
process.exit(0);
