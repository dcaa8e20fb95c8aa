import { z } from 'zod';
import { defineMetric, type MetricPlugin } from '../../core/index.ts';

/** Options of `sparseness`. */
export interface SparsenessOptions {
  abs: boolean;
}

const Options: z.ZodType<SparsenessOptions> = z.object({
  abs: z.boolean().default(true).describe('judge |map| (the paper) rather than the map as stored'),
}).strict();

/**
 * Sparseness (Chalasani et al. 2020): the Gini index of a map's |values| sorted ascending,
 * G = sum_k (2k - d - 1) a_k / (d sum_k a_k), k = 1..d: 0 when every feature weighs the same,
 * (d - 1) / d when one feature holds everything. Higher is better (a more concise map). A map of
 * zeros scores 0.
 */
export const sparseness: MetricPlugin<SparsenessOptions> = defineMetric<SparsenessOptions>({
  name: 'sparseness',
  description: 'Gini index of |map|: 0 for a flat map, near 1 when few features hold the relevance (higher is better).',
  reference:
    'Chalasani, Chen, Chowdhury, Wu & Jha 2020, Concise Explanations of Neural Networks using Adversarial Training',
  category: 'complexity',
  options: Options,
  needs: [],
  higherIsBetter: true,
  async evaluate({ maps }, o) {
    const n = maps.shape[0];
    const d = maps.size / n;
    const all = (await maps.data()) as Float32Array;
    const values = new Float32Array(n);
    const row = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) row[j] = o.abs ? Math.abs(all[i * d + j]) : all[i * d + j];
      row.sort();
      let weighted = 0;
      let total = 0;
      for (let k = 0; k < d; k++) {
        weighted += (2 * (k + 1) - d - 1) * row[k];
        total += row[k];
      }
      values[i] = total === 0 ? 0 : weighted / (d * total);
    }
    return { values };
  },
});
