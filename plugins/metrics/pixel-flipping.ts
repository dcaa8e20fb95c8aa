import { z } from 'zod';
import {
  defineMetric,
  evenCounts,
  featureView,
  maxBatchOption,
  MetricBaseline,
  metricBaseline,
  type MetricPlugin,
  perturbationCurve,
  relevanceRanks,
  resolveMaxBatch,
  ScoreChoice,
} from '../../core/index.ts';
import { aopc } from './aopc.ts';

/** Options of `pixel-flipping`. */
export interface PixelFlippingOptions {
  steps: number;
  baseline: MetricBaseline;
  blurSigma: number;
  scores: ScoreChoice;
  seed?: number;
  maxBatch?: number;
}

const Options: z.ZodType<PixelFlippingOptions> = z.object({
  steps: z.number().int().positive().default(100).describe(
    'flips in all: each flips d / steps features, so the last step has flipped every feature',
  ),
  baseline: MetricBaseline.default('zeros').describe(
    "what a flipped feature becomes: 'zeros', 'blur', 'uniform', a number",
  ),
  blurSigma: z.number().positive().default(5).describe("standard deviation of the 'blur' baseline, in pixels"),
  scores: ScoreChoice.default('logit').describe(
    "the class score f: 'logit' (the papers' classifier output) or 'probability'",
  ),
  seed: z.number().int().optional().describe("seed of the 'uniform' baseline"),
  maxBatch: maxBatchOption,
}).strict();

/**
 * Pixel flipping (Bach et al. 2015), scored as AOPC (Samek et al. 2017): features are flipped
 * (replaced by the baseline) most relevant first; the value is the area over the perturbation
 * curve, AOPC = 1/(L+1) sum_{k=0..L} (f(x) - f(x_k)), with x_k the input after k of L steps.
 * A faithful map makes the score fall fast: higher is better. The curve is f(x_k).
 */
export const pixelFlipping: MetricPlugin<PixelFlippingOptions> = defineMetric<PixelFlippingOptions>({
  name: 'pixel-flipping',
  description: 'AOPC as the most relevant features are flipped first, one step at a time (higher is better).',
  reference:
    'Bach et al. 2015, On Pixel-Wise Explanations for Non-Linear Classifier Decisions by Layer-Wise Relevance Propagation; AOPC: Samek et al. 2017',
  category: 'faithfulness',
  options: Options,
  needs: ['model'],
  higherIsBetter: true,
  seeded: (o) => o.baseline === 'uniform',
  async evaluate(input, o) {
    const view = featureView(input.x.shape, input.maps.shape);
    const ranks = relevanceRanks((await input.maps.data()) as Float32Array, view.n, view.d);
    const baseline = metricBaseline(input.x, o.baseline, {
      blurSigma: o.blurSigma,
      seed: o.seed ?? 0,
      offset: input.offset,
    });
    try {
      const counts = evenCounts(view.d, o.steps);
      const y = await perturbationCurve(input, {
        ranks,
        counts,
        baseline,
        insert: false,
        scores: o.scores,
        maxBatch: resolveMaxBatch(input.x, o.maxBatch),
      });
      const x = counts.map((c) => c / view.d);
      const yLabel = o.scores === 'logit' ? 'target logit' : 'target probability';
      return {
        values: aopc(y, counts.length),
        curves: [{ name: 'flipping', x, xLabel: 'fraction of features flipped', yLabel, y }],
      };
    } finally {
      baseline.dispose();
    }
  },
});
