import { z } from 'zod';
import { defineMetric, type MetricPlugin } from '../../core/index.ts';
import { mapsAndMasks, MaskOption } from './localisation.ts';

/** Options of `relevance-mass`. */
export interface RelevanceMassOptions {
  mask: string;
}

const Options: z.ZodType<RelevanceMassOptions> = z.object({ mask: MaskOption }).strict();

/**
 * Relevance mass accuracy (Arras, Osman & Samek 2022): the share of the positive relevance that
 * lies inside the mask, sum_{mask} R+ / sum R+. Higher is better; 0 for a map without positive
 * relevance.
 */
export const relevanceMass: MetricPlugin<RelevanceMassOptions> = defineMetric<RelevanceMassOptions>({
  name: 'relevance-mass',
  description: "Share of the map's positive relevance inside the object's mask (higher is better).",
  reference:
    'Arras, Osman & Samek 2022, CLEVR-XAI: A benchmark dataset for the ground truth evaluation of neural network explanations',
  category: 'localisation',
  options: Options,
  needs: ['mask'],
  mask: (o) => o.mask,
  higherIsBetter: true,
  async evaluate(input, o) {
    const { n, d, maps, inside } = await mapsAndMasks(input, o.mask);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let total = 0;
      let within = 0;
      for (let j = 0; j < d; j++) {
        const r = Math.max(0, maps[i * d + j]);
        total += r;
        if (inside[i * d + j]) within += r;
      }
      values[i] = total === 0 ? 0 : within / total;
    }
    return { values };
  },
});
