import { z } from 'zod';
import { defineMetric, type MetricPlugin } from '../../core/index.ts';

/** Options of `complexity`. */
export interface ComplexityOptions {
  /** Whether the entropy is divided by log(d), giving values in [0, 1]. */
  normalise: boolean;
}

const Options: z.ZodType<ComplexityOptions> = z.object({
  normalise: z.boolean().default(false).describe('divide by log(d), so values lie in [0, 1] whatever the map size'),
}).strict();

/**
 * Complexity (Bhatt, Weller & Moura 2020): the entropy of the fractional contributions
 * p_i = |a_i| / sum_j |a_j|, H = -sum_i p_i ln p_i (nats), at most ln d for a flat map. Lower is
 * better (fewer features explain the prediction). A map of zeros counts as flat.
 */
export const complexity: MetricPlugin<ComplexityOptions> = defineMetric<ComplexityOptions>({
  name: 'complexity',
  description: 'Entropy of the share of |relevance| per feature: low when few features explain the prediction.',
  reference: 'Bhatt, Weller & Moura 2020, Evaluating and Aggregating Feature-based Model Explanations (IJCAI)',
  category: 'complexity',
  options: Options,
  needs: [],
  higherIsBetter: false,
  async evaluate({ maps }, o) {
    const n = maps.shape[0];
    const d = maps.size / n;
    const all = (await maps.data()) as Float32Array;
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let total = 0;
      for (let j = 0; j < d; j++) total += Math.abs(all[i * d + j]);
      let h = 0;
      if (total === 0) h = Math.log(d);
      else {
        for (let j = 0; j < d; j++) {
          const p = Math.abs(all[i * d + j]) / total;
          if (p > 0) h -= p * Math.log(p);
        }
      }
      values[i] = o.normalise && d > 1 ? h / Math.log(d) : h;
    }
    return { values };
  },
});
