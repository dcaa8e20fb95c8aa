import { z } from 'zod';
import { defineMetric, type MetricPlugin } from '../../core/index.ts';
import { mapsAndMasks, MaskOption } from './localisation.ts';

/** Options of `pointing-game`. */
export interface PointingGameOptions {
  mask: string;
  tolerance: number;
}

const Options: z.ZodType<PointingGameOptions> = z.object({
  mask: MaskOption,
  tolerance: z.number().nonnegative().default(0).describe(
    'a hit may miss the mask by this many pixels (the paper: 15 px on 224 px images)',
  ),
}).strict();

/**
 * The pointing game (Zhang et al. 2018): a hit (1) when the map's maximum (the first one in
 * row-major order on ties) lies within `tolerance` pixels of the sample's mask, else a miss (0);
 * the mean is the accuracy. Higher is better. A sample with an empty mask scores NaN and is left
 * out of summaries.
 */
export const pointingGame: MetricPlugin<PointingGameOptions> = defineMetric<PointingGameOptions>({
  name: 'pointing-game',
  description: "1 when the map's maximum falls on the object's mask, else 0 (higher is better).",
  reference: 'Zhang, Bargal, Lin, Brandt, Shen & Sclaroff 2018, Top-Down Neural Attention by Excitation Backprop',
  category: 'localisation',
  options: Options,
  needs: ['mask'],
  mask: (o) => o.mask,
  higherIsBetter: true,
  async evaluate(input, o) {
    const { n, d, maps, inside } = await mapsAndMasks(input, o.mask);
    // Distances are in pixels on image maps [H, W]; other maps count positions along one axis.
    const w = input.maps.shape.length === 3 ? input.maps.shape[2] : d;
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      let any = false;
      for (let j = 0; j < d; j++) {
        if (maps[i * d + j] > maps[i * d + best]) best = j;
        if (inside[i * d + j]) any = true;
      }
      if (!any) {
        values[i] = NaN;
        continue;
      }
      const [r0, c0] = [Math.floor(best / w), best % w];
      let hit = 0;
      for (let j = 0; j < d && !hit; j++) {
        if (!inside[i * d + j]) continue;
        const dr = Math.floor(j / w) - r0;
        const dc = (j % w) - c0;
        if (dr * dr + dc * dc <= o.tolerance * o.tolerance) hit = 1;
      }
      values[i] = hit;
    }
    return { values };
  },
});
