import { z } from 'zod';
import {
  type AttributionPlugin,
  BaselineOption,
  inputGradient,
  makeBaseline,
  maxBatchOption,
  quadrature,
  QuadratureRule,
  repeatPasses,
  resolveMaxBatch,
  seedOrRandom,
  sumOverPasses,
  sumPasses,
  targetScores,
  tf,
} from '../../core/index.ts';

/** Integrated gradients' options (see the schema's descriptions). */
export interface IntegratedGradientsOptions {
  steps: number;
  rule: QuadratureRule;
  baseline: BaselineOption;
  blurSigma: number;
  seed?: number;
  maxBatch?: number;
}

const Options: z.ZodType<IntegratedGradientsOptions> = z
  .object({
    steps: z.number().int().positive().default(50).describe('gradient evaluations along the path'),
    rule: QuadratureRule.default('trapezoid').describe('quadrature rule for the path integral'),
    baseline: BaselineOption.default('zeros').describe("'zeros', a number, 'blur', 'uniform' or a .npy path"),
    blurSigma: z.number().positive().default(5).describe("std dev of the 'blur' baseline, in pixels"),
    seed: z.number().int().optional().describe(
      "seed of the 'uniform' baseline (default: drawn once per run and recorded)",
    ),
    maxBatch: maxBatchOption,
  })
  .strict()
  .refine((o) => o.rule !== 'trapezoid' || o.steps >= 2, { message: 'the trapezoid rule needs steps >= 2' });

/**
 * Integrated gradients (Sundararajan, Taly & Yan 2017): (x - x') * int_0^1 dS_c/dx(x' + a (x - x')) da,
 * the integral taken by `rule` on `steps` points; signed, of the input's shape. Completeness says
 * the map sums to S_c(x) - S_c(x'); the per-sample `completenessGap` (sum(map) - (S_c(x) - S_c(x')))
 * and `relativeGap` (the gap over |S_c(x) - S_c(x')|) measure how far the quadrature is from it.
 */
export const integratedGradients: AttributionPlugin<IntegratedGradientsOptions> = {
  kind: 'attribution',
  name: 'integrated-gradients',
  description: 'Path integral of gradients from a baseline to the input, times (input - baseline); signed.',
  reference: 'Sundararajan, Taly & Yan 2017, Axiomatic Attribution for Deep Networks',
  options: Options,
  needs: ['gradients'],
  seeded: (o) => o.baseline === 'uniform',
  signed: true,
  defaults: { abs: false, reduce: 'sum' },
  cost: (o) => ({ forward: o.steps + 2, backward: o.steps }),
  attribute: ({ model, x, targets, output, baseDir }, options) => {
    const { alphas, weights } = quadrature(options.rule, options.steps);
    const baseline = makeBaseline(x, options.baseline, {
      blurSigma: options.blurSigma,
      seed: seedOrRandom(options.seed),
      baseDir,
    });
    let pathGradient: tf.Tensor[] = [];
    try {
      pathGradient = sumOverPasses(x.shape[0], alphas.length, resolveMaxBatch(x, options.maxBatch), (chunk) => {
        const xs = tf.slice(x, chunk.start, chunk.size);
        const bs = tf.slice(baseline, chunk.start, chunk.size);
        const ones = x.shape.slice(1).map(() => 1);
        const perPass = (values: number[]) =>
          tf.reshape(
            tf.tensor1d(values.slice(chunk.pass, chunk.pass + chunk.passes)),
            [chunk.passes, 1, ...ones],
          );
        // Rows are pass-major: [passes, size, ...] flattened, so alphas broadcast per pass.
        const shape = [chunk.passes, chunk.size, ...x.shape.slice(1)];
        const points = tf.add(tf.expandDims(bs, 0), tf.mul(perPass(alphas), tf.expandDims(tf.sub(xs, bs), 0)));
        const t = repeatPasses(tf.slice(targets, chunk.start, chunk.size), chunk.passes);
        const g = inputGradient(model, tf.reshape(points, [-1, ...x.shape.slice(1)]), t, output);
        return [
          sumPasses(
            tf.reshape(tf.mul(tf.reshape(g, shape), perPass(weights)), [-1, ...x.shape.slice(1)]),
            chunk.passes,
          ),
        ];
      });
      return tf.tidy(() => {
        const map = tf.mul(tf.sub(x, baseline), pathGradient[0]);
        const change = tf.sub(targetScores(model, x, targets, output), targetScores(model, baseline, targets, output));
        const gap = tf.sub(tf.sum(tf.reshape(map, [x.shape[0], -1]), 1), change);
        const relativeGap = tf.div(gap, tf.maximum(tf.abs(change), 1e-12));
        return { map, perSample: { completenessGap: gap, relativeGap } };
      });
    } finally {
      tf.dispose([baseline, ...pathGradient]);
    }
  },
};

export default integratedGradients;
