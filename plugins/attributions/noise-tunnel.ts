import { z } from 'zod';
import {
  maxBatchOption,
  repeatPasses,
  resolveMaxBatch,
  sumOverPasses,
  sumPasses,
} from '../../core/attribution/chunks.ts';
import { mixSeed, seedOrRandom } from '../../core/attribution/random.ts';
import { inputGradient } from '../../core/attribution/scores.ts';
import { tf } from '../../core/tensor/tf.ts';
import type { AttributionInput } from '../../core/plugins/types.ts';

/**
 * Shared by `smoothgrad`, `smoothgrad-squared` and `vargrad` (not a plugin itself): the
 * gradients of the class score at `samples` noisy copies x + e, e ~ N(0, sigma^2) with
 * sigma = noise * (max(x) - min(x)) per sample (Smilkov et al. 2017).
 */
export const NoiseTunnelOptions = z
  .object({
    samples: z.number().int().positive().default(50).describe('noisy copies per input'),
    noise: z
      .number()
      .nonnegative()
      .default(0.15)
      .describe("noise std dev as a fraction of each input's range (max - min)"),
    seed: z.number().int().optional().describe('seed for the noise (default: a fresh one per run)'),
    maxBatch: maxBatchOption,
  })
  .strict();
export type NoiseTunnelOptions = z.infer<typeof NoiseTunnelOptions>;

/** Which statistic of the noisy gradients g_k a method returns, per input element. */
export type NoiseStatistic = 'mean' | 'mean-square' | 'variance';

/**
 * The statistic over the noisy gradients, of the input's shape: `mean` (SmoothGrad), `mean-square`
 * (SmoothGrad-Squared) or population `variance` E[g^2] - E[g]^2 (VarGrad, clamped at 0 against
 * rounding). Noise for copy k of sample i comes from seed (seed, k, i), so it does not depend on
 * how the work is chunked under `maxBatch`.
 */
export function noiseTunnel(
  { model, x, targets, output }: AttributionInput,
  options: NoiseTunnelOptions,
  statistic: NoiseStatistic,
): tf.Tensor {
  const n = x.shape[0];
  const seed = seedOrRandom(options.seed);
  const sampleShape = x.shape.slice(1);
  const sigma = tf.tidy(() => {
    const flat = tf.reshape(x, [n, -1]);
    const range = tf.sub(tf.max(flat, 1), tf.min(flat, 1));
    return tf.reshape(tf.mul(range, options.noise), [n, ...sampleShape.map(() => 1)]);
  });
  let sums: tf.Tensor[] = [];
  try {
    sums = sumOverPasses(n, options.samples, resolveMaxBatch(x, options.maxBatch), (chunk) => {
      const xs = tf.slice(x, chunk.start, chunk.size);
      const noise: tf.Tensor[] = [];
      for (let k = chunk.pass; k < chunk.pass + chunk.passes; k++) {
        for (let i = chunk.start; i < chunk.start + chunk.size; i++) {
          noise.push(tf.randomNormal([1, ...sampleShape], 0, 1, 'float32', mixSeed(seed, k, i)));
        }
      }
      // [passes, size, ...] with x and sigma broadcast over the passes (no tiled copies of them);
      // x + e * sigma element by element, the same values as tiling would give.
      const e = tf.reshape(noise.length === 1 ? noise[0] : tf.concat(noise, 0), [
        chunk.passes,
        chunk.size,
        ...sampleShape,
      ]);
      const scale = tf.expandDims(tf.slice(sigma, chunk.start, chunk.size), 0);
      const noisy = tf.reshape(tf.add(tf.expandDims(xs, 0), tf.mul(e, scale)), [-1, ...sampleShape]);
      const t = repeatPasses(tf.slice(targets, chunk.start, chunk.size), chunk.passes);
      const g = inputGradient(model, noisy, t, output);
      return statistic === 'mean' ? [sumPasses(g, chunk.passes)] : [
        sumPasses(g, chunk.passes),
        sumPasses(tf.square(g), chunk.passes),
      ];
    });
    const [sum, sumSquares] = sums;
    return tf.tidy(() => {
      const k = options.samples;
      if (statistic === 'mean') return tf.div(sum, k);
      if (statistic === 'mean-square') return tf.div(sumSquares, k);
      return tf.relu(tf.sub(tf.div(sumSquares, k), tf.square(tf.div(sum, k))));
    });
  } finally {
    tf.dispose([sigma, ...sums]);
  }
}
