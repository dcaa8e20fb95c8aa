import { z } from 'zod';
import {
  defineMetric,
  featureView,
  maxBatchOption,
  MetricBaseline,
  metricBaseline,
  type MetricPlugin,
  mixSeed,
  pearson,
  replaceFeatures,
  resolveMaxBatch,
  ScoreChoice,
  scorePasses,
  tf,
  uniformSource,
} from '../../core/index.ts';

/** Options of `faithfulness-correlation`. */
export interface FaithfulnessCorrelationOptions {
  subsets: number;
  fraction: number;
  baseline: MetricBaseline;
  blurSigma: number;
  scores: ScoreChoice;
  seed?: number;
  maxBatch?: number;
}

const Options: z.ZodType<FaithfulnessCorrelationOptions> = z.object({
  subsets: z.number().int().min(2).default(100).describe('random feature subsets per sample'),
  fraction: z.number().gt(0).lte(1).default(0.1).describe('share of the features in each subset'),
  baseline: MetricBaseline.default('zeros').describe(
    "what the subset's features become: 'zeros', 'blur', 'uniform', a number",
  ),
  blurSigma: z.number().positive().default(5).describe("standard deviation of the 'blur' baseline, in pixels"),
  scores: ScoreChoice.default('logit').describe("the class score f: 'logit' or 'probability'"),
  seed: z.number().int().optional().describe('seed of the subsets (drawn once and recorded)'),
  maxBatch: maxBatchOption,
}).strict();

/**
 * Faithfulness correlation (Bhatt, Weller & Moura 2020): for `subsets` random subsets S of the
 * features (each `fraction` of them), Pearson's correlation between the relevance in S,
 * sum_{i in S} g_i, and the score it costs to remove S, f(x) - f(x with S set to the baseline).
 * Higher is better. Subset k of sample i is drawn from `mixSeed(seed, sample, k)`: the same
 * whatever the batch.
 */
export const faithfulnessCorrelation: MetricPlugin<FaithfulnessCorrelationOptions> = defineMetric<
  FaithfulnessCorrelationOptions
>({
  name: 'faithfulness-correlation',
  description:
    "Correlation between a random subset's relevance and the score lost when it is removed (higher is better).",
  reference: 'Bhatt, Weller & Moura 2020, Evaluating and Aggregating Feature-based Model Explanations (IJCAI)',
  category: 'faithfulness',
  options: Options,
  needs: ['model'],
  higherIsBetter: true,
  seeded: () => true,
  async evaluate(input, o) {
    const view = featureView(input.x.shape, input.maps.shape);
    const { n, d } = view;
    const size = Math.max(1, Math.round(o.fraction * d));
    const subset = (i: number, k: number): Int32Array => {
      const next = uniformSource(mixSeed(o.seed ?? 0, input.offset + i, k));
      const order = Int32Array.from({ length: d }, (_, j) => j);
      for (let j = 0; j < size; j++) {
        const pick = j + Math.floor(next() * (d - j));
        [order[j], order[pick]] = [order[pick], order[j]];
      }
      return order.subarray(0, size);
    };
    const maps = (await input.maps.data()) as Float32Array;
    const relevance = new Float64Array(n * o.subsets);
    const baseline = metricBaseline(input.x, o.baseline, {
      blurSigma: o.blurSigma,
      seed: o.seed ?? 0,
      offset: input.offset,
    });
    try {
      // Pass 0 is the input itself; pass k + 1 removes subset k.
      const scores = await scorePasses(input, o.subsets + 1, o.scores, resolveMaxBatch(input.x, o.maxBatch), (p) => {
        if (p === 0) return input.x.clone();
        const mask = new Float32Array(n * d);
        for (let i = 0; i < n; i++) {
          let sum = 0;
          for (const j of subset(i, p - 1)) {
            mask[i * d + j] = 1;
            sum += maps[i * d + j];
          }
          relevance[i * o.subsets + p - 1] = sum;
        }
        return replaceFeatures(input.x, baseline, tf.tensor2d(mask, [n, d]), view);
      });
      const values = new Float32Array(n);
      const drop = new Float64Array(o.subsets);
      for (let i = 0; i < n; i++) {
        const row = i * (o.subsets + 1);
        for (let k = 0; k < o.subsets; k++) drop[k] = scores[row] - scores[row + k + 1];
        values[i] = pearson(relevance.subarray(i * o.subsets, (i + 1) * o.subsets), drop);
      }
      return { values };
    } finally {
      baseline.dispose();
    }
  },
});
