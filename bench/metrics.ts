/**
 * Metric throughput on the Fashion-MNIST workload (the example's trained CNN, its committed test
 * images), in images per second, each against a baseline measured in the same process:
 *
 * - `deletion-auc`, 100 steps, on gradient x input maps, batched as gradlens runs it (101
 *   perturbed batches, up to `maxBatch` inputs per forward call), against the same curve computed
 *   the way a per-sample loop does it (one forward call per sample and step: the loop behind the
 *   45-minute pixel-flipping run of Quantus #96). Both give the same values (checked).
 * - the randomisation check (`model-randomisation`, cascading over the model's 4 weighted layers,
 *   on vanilla-gradient maps), against computing the maps alone: the check recomputes them once
 *   per layer, so the ratio is expected near 1 / (layers + 1).
 *
 * `tsx bench/metrics.ts [--budget S] [--json]`; `npm run bench` runs it in a child process and
 * adds its table to docs/bench.md.
 */
import { join } from 'node:path';
import process from 'node:process';
import { initBackend } from '../core/engine/backend.ts';
import { openNpy } from '../core/io/npy-file.ts';
import { attribute } from '../core/pipeline/attribute.ts';
import { measure } from '../core/pipeline/measure.ts';
import { relevanceRanks } from '../core/metrics/features.ts';
import { tf } from '../core/tensor/tf.ts';
import { classScores } from '../core/attribution/scores.ts';
import type { LoadedModel } from '../core/plugins/types.ts';
import { builtinRegistry } from '../plugins/index.ts';
import { layersModel } from '../plugins/models/layers-model.ts';

export interface MetricRow {
  case: string;
  imagesPerSecond: number;
  baseline: string;
  baselineImagesPerSecond: number;
  /** imagesPerSecond / baselineImagesPerSecond. */
  ratio: number;
}

const root = new URL('..', import.meta.url).pathname;
const here = join(root, 'examples/fashion-mnist');
const N = 64;

/** Images per second of `run` on N images: calls repeated until `budget` seconds, after one untimed call. */
async function rate(run: () => Promise<unknown>, budget: number, n: number): Promise<number> {
  await run();
  const t0 = performance.now();
  let calls = 0;
  while (calls === 0 || performance.now() - t0 < budget * 1000) {
    await run();
    calls++;
  }
  return (calls * n) / ((performance.now() - t0) / 1000);
}

/** The deletion curve of one sample at a time, one forward call per step, as a per-sample loop computes it. */
function deletionLoop(model: LoadedModel, x: tf.Tensor, maps: Float32Array, targets: Int32Array): Float32Array {
  const d = 784;
  const steps = 100;
  const out = new Float32Array(N * (steps + 1));
  const ranks = relevanceRanks(maps, N, d);
  for (let i = 0; i < N; i++) {
    const sample = x.slice([i], [1]).dataSync();
    for (let k = 0; k <= steps; k++) {
      const count = Math.round((k * d) / steps);
      const xs = Float32Array.from(sample, (v, j) => (ranks[i * d + j] < count ? 0 : v));
      out[i * (steps + 1) + k] = tf.tidy(() => {
        const p = tf.softmax(classScores(model, tf.tensor(xs, [1, 28, 28, 1]), model.outputs[0].name));
        return p.dataSync()[targets[i]];
      });
    }
  }
  return out;
}

export async function benchMetrics(budget: number): Promise<MetricRow[]> {
  await initBackend();
  const registry = builtinRegistry();
  const model = await layersModel.load(layersModel.options.parse({ path: 'model/model.json' }), { baseDir: here });
  const xs = openNpy(join(here, 'data/sample-x.npy'));
  const ys = openNpy(join(here, 'data/sample-y.npy'));
  const x = tf.tensor4d(xs.readRows(0, N), [N, 28, 28, 1]);
  const labels = tf.tensor1d(Int32Array.from(ys.readAll().data as ArrayLike<number>, Number).slice(0, N), 'int32');
  xs.close();
  ys.close();
  const rows: MetricRow[] = [];
  const deletion = () =>
    measure(model, x, {
      method: 'gradient-x-input',
      registry,
      labels,
      metric: 'deletion-auc',
      metricOptions: { steps: 100 },
    });
  const batched = await rate(deletion, budget, N);
  const { maps, targets } = await attribute(model, x, { method: 'gradient-x-input', registry, labels });
  const mapValues = (await maps.data()) as Float32Array;
  const targetValues = Int32Array.from(await targets.data());
  tf.dispose([maps, targets]);
  const loop = await rate(() => Promise.resolve(deletionLoop(model, x, mapValues, targetValues)), budget, N);
  const check = (await deletion()).curves[0].y;
  const reference = deletionLoop(model, x, mapValues, targetValues);
  const worst = check.reduce((m, v, i) => Math.max(m, Math.abs(v - reference[i])), 0);
  if (worst > 1e-4) throw new Error(`the per-sample loop disagrees with deletion-auc by ${worst}`);
  rows.push({
    case: 'deletion-auc, 100 steps (gradient x input maps included)',
    imagesPerSecond: batched,
    baseline: 'per-sample loop, one forward call per step',
    baselineImagesPerSecond: loop,
    ratio: batched / loop,
  });
  const mapsAlone = await rate(
    async () => {
      const r = await attribute(model, x, { method: 'vanilla-gradient', registry, labels });
      tf.dispose([r.maps, r.targets]);
    },
    budget,
    N,
  );
  const randomisation = await rate(
    () =>
      measure(model, x, {
        method: 'vanilla-gradient',
        registry,
        labels,
        metric: 'model-randomisation',
        metricOptions: { seed: 1 },
      }),
    budget,
    N,
  );
  rows.push({
    case: 'randomisation check, 4 layers cascading (vanilla-gradient maps)',
    imagesPerSecond: randomisation,
    baseline: 'vanilla-gradient maps alone',
    baselineImagesPerSecond: mapsAlone,
    ratio: randomisation / mapsAlone,
  });
  tf.dispose([x, labels]);
  model.dispose();
  return rows;
}

/** A Markdown table of the rows. */
export function formatMetricTable(rows: MetricRow[]): string {
  const lines = [
    '| case | images/s | baseline | baseline images/s | ratio |',
    '| ---- | -------: | -------- | ----------------: | ----: |',
    ...rows.map((r) =>
      `| ${r.case} | ${r.imagesPerSecond.toFixed(1)} | ${r.baseline} | ${r.baselineImagesPerSecond.toFixed(1)} | ${
        r.ratio.toFixed(2)
      } |`
    ),
  ];
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('bench/metrics.ts')) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--budget');
  const rows = await benchMetrics(i >= 0 ? Number(args[i + 1]) : 1.5);
  console.log(args.includes('--json') ? JSON.stringify(rows) : formatMetricTable(rows));
  process.exit(0);
}
