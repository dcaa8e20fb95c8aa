import { z } from 'zod';
import {
  defineMetric,
  explainChunked,
  GradlensError,
  maxBatchOption,
  type MetricPlugin,
  mixSeed,
  pearson,
  resolveMaxBatch,
  spearman,
  ssim,
  tf,
  uniformSource,
} from '../../core/index.ts';

/** Options of `random-logit`. */
export interface RandomLogitOptions {
  similarity: 'ssim' | 'spearman' | 'pearson';
  abs: boolean;
  seed?: number;
  maxBatch?: number;
}

const Options: z.ZodType<RandomLogitOptions> = z.object({
  similarity: z.enum(['ssim', 'spearman', 'pearson']).default('ssim').describe(
    'how the two maps are compared (SSIM, as in the paper)',
  ),
  abs: z.boolean().default(false).describe('compare |maps|'),
  seed: z.number().int().optional().describe('seed of the random classes (drawn once and recorded)'),
  maxBatch: maxBatchOption,
}).strict();

/**
 * Random logit (Sixt, Granz & Landgraf 2020): the similarity between the map for the target
 * class and the map, by the same method, for another class drawn uniformly from the rest
 * (per sample, from `mixSeed(seed, sample)`). A map that explains the class, not just the
 * input, differs: lower is better.
 */
export const randomLogit: MetricPlugin<RandomLogitOptions> = defineMetric<RandomLogitOptions>({
  name: 'random-logit',
  description: "Similarity between the target's map and a random other class's map (lower is better).",
  reference: 'Sixt, Granz & Landgraf 2020, When Explanations Lie: Why Many Modified BP Attributions Fail (ICML)',
  category: 'randomisation',
  options: Options,
  needs: ['recompute'],
  higherIsBetter: false,
  seeded: () => true,
  async evaluate(input, o) {
    if (input.numClasses < 2) throw new GradlensError('random-logit needs a model with at least two classes');
    const n = input.x.shape[0];
    const d = input.maps.size / n;
    const targets = Int32Array.from(await input.targets.data());
    const others = Int32Array.from(targets, (t, i) => {
      const pick = Math.floor(uniformSource(mixSeed(o.seed ?? 0, input.offset + i))() * (input.numClasses - 1));
      return pick >= t ? pick + 1 : pick;
    });
    const other = tf.tensor1d(others, 'int32');
    let after: Float32Array;
    try {
      const maps = await explainChunked(input, input.x, other, resolveMaxBatch(input.x, o.maxBatch));
      after = (await maps.data()) as Float32Array;
      maps.dispose();
    } finally {
      other.dispose();
    }
    const before = (await input.maps.data()) as Float32Array;
    const shape = input.maps.shape.slice(1);
    const prep = (v: number) => (o.abs ? Math.abs(v) : v);
    const values = Float32Array.from({ length: n }, (_, i) => {
      const a = Array.from(before.subarray(i * d, (i + 1) * d), prep);
      const b = Array.from(after.subarray(i * d, (i + 1) * d), prep);
      return o.similarity === 'ssim' ? ssim(a, b, shape) : o.similarity === 'spearman' ? spearman(a, b) : pearson(a, b);
    });
    return { values };
  },
});
