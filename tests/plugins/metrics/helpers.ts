/** Models and maps whose metric values are known by hand. */
import { z } from 'zod';
import { defineAttribution } from '../../../core/plugins/define.ts';
import type { AttributionPlugin } from '../../../core/plugins/types.ts';
import { tf } from '../../../core/tensor/tf.ts';

/**
 * A linear classifier on `[N, h, w, 1]` images: class 0's logit is `sum_i w_i x_i`, class 1's is
 * 0 (no bias, no softmax layer).
 */
export function linearModel(weights: number[], h: number, w: number): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.flatten({ inputShape: [h, w, 1] }));
  model.add(tf.layers.dense({ units: 2, useBias: false, kernelInitializer: 'zeros' }));
  const kernel = new Float32Array(weights.length * 2);
  weights.forEach((v, i) => (kernel[i * 2] = v));
  model.layers[1].setWeights([tf.tensor2d(kernel, [weights.length, 2])]);
  return model;
}

/** An attribution method returning `values` (one sample's map, input-shaped) for every sample. */
export function fixedMap(name: string, values: number[]): AttributionPlugin<Record<string, never>> {
  return defineAttribution({
    name,
    description: 'a fixed map (tests)',
    options: z.object({}).strict() as z.ZodType<Record<string, never>>,
    needs: ['forward-only'],
    signed: true,
    defaults: { abs: false, reduce: 'sum' },
    attribute: ({ x }) =>
      tf.tidy(() => tf.mul(tf.onesLike(x), tf.reshape(tf.tensor1d(values), [1, ...x.shape.slice(1)]))),
  });
}

/** An attribution method returning seeded uniform noise per sample (a map at chance). */
export const randomMap: AttributionPlugin<{ seed?: number }> = defineAttribution({
  name: 'random-map',
  description: 'uniform noise (tests)',
  options: z.object({ seed: z.number().int().optional() }).strict() as z.ZodType<{ seed?: number }>,
  needs: ['forward-only'],
  signed: false,
  seeded: () => true,
  defaults: { abs: false, reduce: 'sum' },
  attribute: ({ x }, o) => tf.randomUniform(x.shape, 0, 1, 'float32', o.seed),
});
