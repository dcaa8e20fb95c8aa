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
 * --cpu-all (also MobileNetV2 on the cpu backend: minutes).
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
const NOTES = `## Notes (profile, 2-core machine shared with other work)

- Stock tfjs wasm cannot differentiate MobileNetV2 at all (missing kernels); gradlens adds them.
- cnn3 on wasm: gradlens is ~6.5x stock tfjs; what remains is XNNPACK forward convs and the
  input-gradient convs, PyTorch stays ~2x faster.
- MobileNetV2 on wasm is bound by tfjs's FusedBatchNorm gradient, which tiles
  1/sqrt(var+eps) to the activation's full shape (\`Tile\` ~48% of the time at batch 4), and by
  ReLU6's gradient (GreaterEqual/LessEqual/LogicalAnd/Multiply, ~15%); the conv input gradients
  are ~13%. Next step: an inference-mode batch-norm input gradient (dy * scale / sqrt(var+eps),
  broadcast, no Tile) and a one-kernel ReLU6 gradient.
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
    if (backend === 'cpu') await bench(p, backend, 'tfjs', 'vanilla', plainGradient);
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
writeFileSync(`${root}bench/results/latest.json`, JSON.stringify({ machine, rows }, null, 2) + '\n');
writeFileSync(
  `${root}docs/bench.md`,
  [
    '# Benchmark: input gradients, gradlens on tfjs vs PyTorch',
    '',
    'Produced by `npm run bench` (bench/main.ts; PyTorch side bench/torch_reference.py). Images per',
    'second of one attribution call on a batch; random inputs and weights; single-threaded on both',
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
    NOTES,
  ].join('\n'),
);
process.exit(0);
