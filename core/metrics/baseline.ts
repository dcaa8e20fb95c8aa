/**
 * What a deleted feature is replaced with in the perturbation metrics: `zeros`, a constant, a
 * Gaussian `blur` of the input (Petsiuk et al.'s insertion canvas), or `uniform` noise in each
 * sample's own [min, max] (Samek et al.'s region perturbation). Noise is drawn per sample from
 * the metric's seed and the sample's position in the run, so it does not depend on the batch.
 */
import { z } from 'zod';
import { mixSeed, uniformSource } from '../attribution/random.ts';
import { gaussianBlur } from '../attribution/baselines.ts';
import { tf } from '../tensor/tf.ts';

export type MetricBaseline = 'zeros' | 'blur' | 'uniform' | number;
export const MetricBaseline: z.ZodType<MetricBaseline, MetricBaseline> = z.union([
  z.enum(['zeros', 'blur', 'uniform']),
  z.number(),
]);

/** The replacement values for a batch `x` `[N, ...]`, of `x`'s shape; the caller owns it. */
export function metricBaseline(
  x: tf.Tensor,
  option: MetricBaseline,
  settings: { blurSigma: number; seed: number; offset: number },
): tf.Tensor {
  if (option === 'zeros') return tf.zerosLike(x);
  if (typeof option === 'number') return tf.fill(x.shape, option);
  if (option === 'blur') return gaussianBlur(x, settings.blurSigma);
  return perSampleUniform(x, settings.seed, settings.offset);
}

/** Noise uniform in each sample's [min, max], sample i drawn from `mixSeed(seed, offset + i)`. */
export function perSampleUniform(x: tf.Tensor, seed: number, offset: number): tf.Tensor {
  const n = x.shape[0];
  const size = x.size / Math.max(1, n);
  const values = x.dataSync();
  const out = new Float32Array(x.size);
  for (let i = 0; i < n; i++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < size; j++) {
      lo = Math.min(lo, values[i * size + j]);
      hi = Math.max(hi, values[i * size + j]);
    }
    const next = uniformSource(mixSeed(seed, offset + i));
    for (let j = 0; j < size; j++) out[i * size + j] = lo + (hi - lo) * next();
  }
  return tf.tensor(out, x.shape, 'float32');
}
