import { z } from 'zod';
import {
  defineMetric,
  explainChunked,
  GradlensError,
  layersTopDown,
  maxBatchOption,
  type MetricPlugin,
  randomiseLayer,
  resolveMaxBatch,
  restoreWeights,
  saveWeights,
  spearman,
  ssim,
  writeWeights,
} from '../../core/index.ts';

/** Options of `model-randomisation`. */
export interface ModelRandomisationOptions {
  order: 'cascading' | 'independent';
  similarity: 'spearman' | 'ssim';
  abs: boolean;
  keepMaps: boolean;
  seed?: number;
  maxBatch?: number;
}

const Options: z.ZodType<ModelRandomisationOptions> = z.object({
  order: z.enum(['cascading', 'independent']).default('cascading').describe(
    "'cascading': layers randomised one more at a time from the top; 'independent': one layer at a time",
  ),
  similarity: z.enum(['spearman', 'ssim']).default('ssim').describe(
    'which similarity the value averages over the layers (both curves are stored)',
  ),
  abs: z.boolean().default(true).describe('compare |maps| (the paper reports both; absolute by default)'),
  keepMaps: z.boolean().default(true).describe(
    "store the maps after each step (array 'maps', [N, layers, ...map]) for the dashboard's sanity-check view",
  ),
  seed: z.number().int().optional().describe('seed of the random weights (drawn once and recorded)'),
  maxBatch: maxBatchOption,
}).strict();

/**
 * The model parameter randomisation test (Adebayo et al. 2018, "Sanity Checks for Saliency
 * Maps"). The model's weighted layers are re-initialised from the output layer down (cascading:
 * each step randomises one more layer; independent: one layer alone), and after each step the
 * method's maps are computed again, through the run's batch computation, for the same inputs and
 * targets. Per layer, Spearman's rank correlation and SSIM between the original and the new map
 * are stored as curves; the value is the chosen similarity averaged over the layers. A map that
 * explains the model changes once its weights are gone: lower is better. The weights are put back
 * afterwards. With `keepMaps` the maps after each step are stored too (array `maps`).
 */
export const modelRandomisation: MetricPlugin<ModelRandomisationOptions> = defineMetric<ModelRandomisationOptions>({
  name: 'model-randomisation',
  description:
    'Similarity of the maps to those of the model with its layers randomised from the top (lower is better).',
  reference: 'Adebayo, Gilmer, Muelly, Goodfellow, Hardt & Kim 2018, Sanity Checks for Saliency Maps (NeurIPS)',
  category: 'randomisation',
  options: Options,
  needs: ['weights', 'recompute'],
  higherIsBetter: false,
  seeded: () => true,
  check(_o, { model }) {
    if (layersTopDown(model).length === 0) throw new GradlensError('the model exposes no weighted layers');
  },
  async evaluate(input, o) {
    const n = input.x.shape[0];
    const d = input.maps.size / n;
    const shape = input.maps.shape.slice(1);
    const original = (await input.maps.data()) as Float32Array;
    const layers = layersTopDown(input.model);
    const spear = new Float32Array(n * layers.length);
    const struct = new Float32Array(n * layers.length);
    const kept = o.keepMaps ? new Float32Array(n * layers.length * d) : undefined;
    const saved = saveWeights(input.model);
    const maxBatch = resolveMaxBatch(input.x, o.maxBatch);
    const prep = (v: number) => (o.abs ? Math.abs(v) : v);
    try {
      for (const [l, layer] of layers.entries()) {
        randomiseLayer(layer, o.seed ?? 0, l);
        const maps = await explainChunked(input, input.x, input.targets, maxBatch);
        const after = (await maps.data()) as Float32Array;
        maps.dispose();
        for (let i = 0; i < n; i++) {
          kept?.set(after.subarray(i * d, (i + 1) * d), (i * layers.length + l) * d);
          const a = Array.from(original.subarray(i * d, (i + 1) * d), prep);
          const b = Array.from(after.subarray(i * d, (i + 1) * d), prep);
          spear[i * layers.length + l] = spearman(a, b);
          struct[i * layers.length + l] = ssim(a, b, shape);
        }
        // Independent: put this layer back before the next one is randomised alone.
        if (o.order === 'independent') writeWeights(input.model, saved);
      }
    } finally {
      restoreWeights(input.model, saved);
    }
    const chosen = o.similarity === 'spearman' ? spear : struct;
    const values = Float32Array.from({ length: n }, (_, i) => {
      let sum = 0;
      for (let l = 0; l < layers.length; l++) sum += chosen[i * layers.length + l];
      return sum / layers.length;
    });
    const x = layers.map((_, l) => l + 1);
    const labels = layers.map((layer) => layer.name);
    const xLabel = o.order === 'cascading' ? 'layers randomised, from the top' : 'layer randomised alone';
    return {
      values,
      curves: [
        { name: 'spearman', x, labels, xLabel, yLabel: 'Spearman rank correlation with the original map', y: spear },
        { name: 'ssim', x, labels, xLabel, yLabel: 'SSIM with the original map', y: struct },
      ],
      arrays: kept ? [{ name: 'maps', shape: [layers.length, ...shape], values: kept }] : [],
    };
  },
});
