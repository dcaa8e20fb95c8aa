import { z } from 'zod';
import {
  type AttributionPlugin,
  maskedScores,
  maxBatchOption,
  requireImages,
  resolveMaxBatch,
  seedOrRandom,
  sumOverPasses,
  tf,
  uniformSource,
} from '../../core/index.ts';

/** RISE's options (see the schema's descriptions). */
export interface RiseOptions {
  masks: number;
  cell: number;
  keep: number;
  scores: 'probability' | 'score';
  seed?: number;
  maxBatch?: number;
}

const Options: z.ZodType<RiseOptions> = z
  .object({
    masks: z.number().int().positive().default(1000).describe('random masks per input'),
    cell: z.number().int().positive().default(7).describe('side of the low-resolution mask grid (cells)'),
    keep: z.number().gt(0).lte(1).default(0.5).describe('probability that a grid cell is kept'),
    scores: z
      .enum(['probability', 'score'])
      .default('probability')
      .describe('weight masks by the softmax probability (as in the paper) or the raw class score'),
    seed: z.number().int().optional().describe('seed for the masks (default: drawn once per run and recorded)'),
    maxBatch: maxBatchOption,
  })
  .strict();

/**
 * RISE (Petsiuk, Das & Saenko 2018): `masks` random binary `cell` x `cell` grids (each cell kept
 * with probability `keep`), upsampled bilinearly to (cell + 1) * ceil(H / cell) and cropped at a
 * random shift to `[H, W]`; the saliency of a pixel is sum_i f(x * M_i) M_i / (masks * keep),
 * f the target's probability (or score). Repeated over channels, so the map has the input's
 * shape. Forward passes only, `maxBatch` at a time; masks depend only on `seed`.
 */
export const rise: AttributionPlugin<RiseOptions> = {
  kind: 'attribution',
  name: 'rise',
  description: 'Mean of random masks weighted by the class probability they leave; forward passes only.',
  reference: 'Petsiuk, Das & Saenko 2018, RISE: Randomized Input Sampling for Explanation of Black-box Models',
  options: Options,
  needs: ['forward-only'],
  seeded: () => true,
  signed: false,
  cost: (o) => ({ forward: o.masks, backward: 0 }),
  attribute: ({ model, x, targets, output }, options) => {
    requireImages(x, 'rise');
    const [n, h, w] = x.shape as number[];
    const s = options.cell;
    const [cellH, cellW] = [Math.ceil(h / s), Math.ceil(w / s)];
    // Grids and shifts for every mask up front (tiny: masks * cell^2 numbers), so each mask is
    // the same whichever chunk computes it.
    const random = uniformSource(seedOrRandom(options.seed));
    const grids = Float32Array.from({ length: options.masks * s * s }, () => (random() < options.keep ? 1 : 0));
    const shifts = Array.from({ length: options.masks }, () => [
      Math.floor(random() * cellH),
      Math.floor(random() * cellW),
    ]);
    let sums: tf.Tensor[] = [];
    try {
      sums = sumOverPasses(n, options.masks, resolveMaxBatch(x, options.maxBatch), (chunk) => {
        const grid = tf.tensor4d(grids.subarray(chunk.pass * s * s, (chunk.pass + chunk.passes) * s * s), [
          chunk.passes,
          s,
          s,
          1,
        ]);
        const up = tf.image.resizeBilinear(grid, [(s + 1) * cellH, (s + 1) * cellW], false, true);
        const crops = shifts
          .slice(chunk.pass, chunk.pass + chunk.passes)
          .map(([dy, dx], k) => tf.slice(up, [k, dy, dx, 0], [1, h, w, 1]));
        const masks = tf.reshape(tf.concat(crops, 0), [chunk.passes, h, w]);
        const t = tf.slice(targets, chunk.start, chunk.size);
        const probability = options.scores === 'probability';
        const scores = maskedScores(model, tf.slice(x, chunk.start, chunk.size), masks, 0, t, output, probability);
        return [tf.matMul(scores, tf.reshape(masks, [chunk.passes, h * w]), true, false)];
      });
      return tf.tidy(() => {
        const saliency = tf.div(sums[0], options.masks * options.keep);
        return tf.broadcastTo(tf.reshape(saliency, [n, h, w, 1]), x.shape);
      });
    } finally {
      tf.dispose(sums);
    }
  },
};

export default rise;
