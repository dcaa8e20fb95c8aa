import { z } from 'zod';
import {
  defineMetric,
  featureView,
  maxBatchOption,
  type MetricPlugin,
  mixSeed,
  normalSource,
  resolveMaxBatch,
  ScoreChoice,
  scorePasses,
  tf,
  uniformSource,
} from '../../core/index.ts';

/** Options of `infidelity`. */
export interface InfidelityOptions {
  samples: number;
  noise: number;
  normalise: boolean;
  scores: ScoreChoice;
  seed?: number;
  maxBatch?: number;
}

const Options: z.ZodType<InfidelityOptions> = z.object({
  samples: z.number().int().positive().default(50).describe('perturbations I drawn per sample'),
  noise: z.number().positive().default(0.1).describe(
    "standard deviation of I, as a share of each sample's (max - min)",
  ),
  normalise: z.boolean().default(true).describe(
    'scale the map by the beta that minimises the infidelity first (Yeh et al.; maps of any scale compare)',
  ),
  scores: ScoreChoice.default('logit').describe("the class score f: 'logit' or 'probability'"),
  seed: z.number().int().optional().describe('seed of the perturbations (drawn once and recorded)'),
  maxBatch: maxBatchOption,
}).strict();

/**
 * Infidelity (Yeh et al. 2019) with Gaussian perturbations (their "noisy baseline"):
 * INFD = E_I[(I . phi - (f(x) - f(x - I)))^2], I ~ N(0, sigma^2) per feature (one value for all
 * channels of a feature), sigma = `noise` x (max - min) of the sample. With `normalise`, phi is
 * first scaled by beta = E[I.phi (f(x) - f(x - I))] / E[(I.phi)^2]. Lower is better. Perturbation
 * k of sample i comes from `mixSeed(seed, sample, k)`.
 */
export const infidelity: MetricPlugin<InfidelityOptions> = defineMetric<InfidelityOptions>({
  name: 'infidelity',
  description:
    'Expected squared error between the map-predicted and the actual score change under noise (lower is better).',
  reference: 'Yeh, Hsieh, Suggala, Inouye & Ravikumar 2019, On the (In)fidelity and Sensitivity of Explanations',
  category: 'faithfulness',
  options: Options,
  needs: ['model'],
  higherIsBetter: false,
  seeded: () => true,
  async evaluate(input, o) {
    const view = featureView(input.x.shape, input.maps.shape);
    const { n, d, c } = view;
    const xs = (await input.x.data()) as Float32Array;
    const sigma = Array.from({ length: n }, (_, i) => {
      let lo = Infinity;
      let hi = -Infinity;
      for (let j = i * d * c; j < (i + 1) * d * c; j++) {
        lo = Math.min(lo, xs[j]);
        hi = Math.max(hi, xs[j]);
      }
      return o.noise * (hi - lo || 1);
    });
    const noise = (i: number, k: number): Float32Array => {
      const next = normalSource(uniformSource(mixSeed(o.seed ?? 0, input.offset + i, k)));
      return Float32Array.from({ length: d }, () => sigma[i] * next());
    };
    const maps = (await input.maps.data()) as Float32Array;
    const predicted = new Float64Array(n * o.samples);
    const scores = await scorePasses(input, o.samples + 1, o.scores, resolveMaxBatch(input.x, o.maxBatch), (p) => {
      if (p === 0) return input.x.clone();
      const all = new Float32Array(n * d);
      for (let i = 0; i < n; i++) {
        const perturbation = noise(i, p - 1);
        let dot = 0;
        for (let j = 0; j < d; j++) dot += perturbation[j] * maps[i * d + j];
        predicted[i * o.samples + p - 1] = dot;
        all.set(perturbation, i * d);
      }
      const shift = tf.broadcastTo(tf.reshape(tf.tensor2d(all, [n, d]), [n, d, 1]), [n, d, c]);
      return tf.sub(input.x, tf.reshape(shift, input.x.shape));
    });
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const row = i * (o.samples + 1);
      let beta = 1;
      if (o.normalise) {
        let num = 0;
        let den = 0;
        for (let k = 0; k < o.samples; k++) {
          const dot = predicted[i * o.samples + k];
          num += dot * (scores[row] - scores[row + k + 1]);
          den += dot * dot;
        }
        beta = den === 0 ? 0 : num / den;
      }
      let sum = 0;
      for (let k = 0; k < o.samples; k++) {
        sum += (beta * predicted[i * o.samples + k] - (scores[row] - scores[row + k + 1])) ** 2;
      }
      values[i] = sum / o.samples;
    }
    return { values };
  },
});
