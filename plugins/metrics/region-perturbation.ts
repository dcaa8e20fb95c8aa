import { z } from 'zod';
import {
  baselineCurve,
  defineMetric,
  featureView,
  GradlensError,
  maxBatchOption,
  MetricBaseline,
  type MetricPlugin,
  relevanceRanks,
  ScoreChoice,
  scoreLabel,
} from '../../core/index.ts';
import { aopc } from './aopc.ts';

/** Options of `region-perturbation`. */
export interface RegionPerturbationOptions {
  region: number;
  steps: number;
  baseline: MetricBaseline;
  blurSigma: number;
  scores: ScoreChoice;
  seed?: number;
  maxBatch?: number;
}

const Options: z.ZodType<RegionPerturbationOptions> = z.object({
  region: z.number().int().positive().default(9).describe('side of the square regions, in pixels (the paper: 9)'),
  steps: z.number().int().positive().default(100).describe('regions perturbed, one per step (at most all of them)'),
  baseline: MetricBaseline.default('uniform').describe(
    "what a perturbed region becomes: 'uniform' noise in the sample's range (the paper), 'zeros', 'blur', a number",
  ),
  blurSigma: z.number().positive().default(5).describe("standard deviation of the 'blur' baseline, in pixels"),
  scores: ScoreChoice.default('logit').describe("the class score f: 'logit' or 'probability'"),
  seed: z.number().int().optional().describe("seed of the 'uniform' noise (drawn once and recorded)"),
  maxBatch: maxBatchOption,
}).strict();

/**
 * Region perturbation (Samek et al. 2017): the map is cut into non-overlapping `region` x
 * `region` squares (the last row and column may be smaller), ranked by their summed relevance;
 * one region per step, most relevant first, is replaced by the baseline (uniform noise by
 * default) for `steps` steps. The value is AOPC = 1/(L+1) sum_{k=0..L} (f(x) - f(x_k)); higher
 * is better. Needs image maps `[H, W]`.
 */
export const regionPerturbation: MetricPlugin<RegionPerturbationOptions> = defineMetric<RegionPerturbationOptions>({
  name: 'region-perturbation',
  description: 'AOPC as the most relevant square regions are replaced by noise first (higher is better).',
  reference:
    'Samek, Binder, Montavon, Lapuschkin & Müller 2017, Evaluating the Visualization of What a Deep Neural Network Has Learned',
  category: 'faithfulness',
  options: Options,
  needs: ['model'],
  higherIsBetter: true,
  seeded: (o) => o.baseline === 'uniform',
  check(_o, { mapShape }) {
    if (mapShape.length !== 2) {
      throw new GradlensError(`it needs image maps [H, W]; these are [${mapShape}]`);
    }
  },
  async evaluate(input, o) {
    const view = featureView(input.x.shape, input.maps.shape);
    const [h, w] = input.maps.shape.slice(1);
    const rows = Math.ceil(h / o.region);
    const cols = Math.ceil(w / o.region);
    const regions = rows * cols;
    const maps = (await input.maps.data()) as Float32Array;
    const sums = new Float32Array(view.n * regions);
    const regionOf = (p: number) => Math.floor(Math.floor(p / w) / o.region) * cols + Math.floor((p % w) / o.region);
    for (let i = 0; i < view.n; i++) {
      for (let p = 0; p < view.d; p++) sums[i * regions + regionOf(p)] += maps[i * view.d + p];
    }
    const regionRanks = relevanceRanks(sums, view.n, regions);
    const ranks = new Float32Array(view.n * view.d);
    for (let i = 0; i < view.n; i++) {
      for (let p = 0; p < view.d; p++) ranks[i * view.d + p] = regionRanks[i * regions + regionOf(p)];
    }
    const steps = Math.min(o.steps, regions);
    const counts = Array.from({ length: steps + 1 }, (_, k) => k);
    const y = await baselineCurve(input, o, ranks, counts, false);
    return {
      values: aopc(y, counts.length),
      curves: [{ name: 'regions', x: counts, xLabel: 'regions perturbed', yLabel: scoreLabel(o.scores), y }],
    };
  },
});
