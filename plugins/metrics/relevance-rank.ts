import { z } from 'zod';
import { defineMetric, type MetricPlugin, relevanceRanks } from '../../core/index.ts';
import { mapsAndMasks, MaskOption } from './localisation.ts';

/** Options of `relevance-rank`. */
export interface RelevanceRankOptions {
  mask: string;
}

const Options: z.ZodType<RelevanceRankOptions> = z.object({ mask: MaskOption }).strict();

/**
 * Relevance rank accuracy (Arras, Osman & Samek 2022): with K the mask's size, the share of the
 * K most relevant features (ties broken by position) that lie inside the mask. Higher is better;
 * NaN for an empty mask (left out of summaries).
 */
export const relevanceRank: MetricPlugin<RelevanceRankOptions> = defineMetric<RelevanceRankOptions>({
  name: 'relevance-rank',
  description: 'Share of the K most relevant features inside the mask, K its size (higher is better).',
  reference:
    'Arras, Osman & Samek 2022, CLEVR-XAI: A benchmark dataset for the ground truth evaluation of neural network explanations',
  category: 'localisation',
  options: Options,
  needs: ['mask'],
  mask: (o) => o.mask,
  higherIsBetter: true,
  async evaluate(input, o) {
    const { n, d, maps, inside } = await mapsAndMasks(input, o.mask);
    const ranks = relevanceRanks(maps, n, d);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let k = 0;
      for (let j = 0; j < d; j++) k += inside[i * d + j];
      let hits = 0;
      for (let j = 0; j < d; j++) if (inside[i * d + j] && ranks[i * d + j] < k) hits++;
      values[i] = k === 0 ? NaN : hits / k;
    }
    return { values };
  },
});
