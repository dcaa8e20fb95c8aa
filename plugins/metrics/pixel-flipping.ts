import { z } from 'zod';
import {
  baselineCurve,
  defineMetric,
  evenCounts,
  featureView,
  maxBatchOption,
  MetricBaseline,
  type MetricPlugin,
  relevanceRanks,
  ScoreChoice,
  scoreLabel,
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
    const counts = evenCounts(view.d, o.steps);
    const y = await baselineCurve(input, o, ranks, counts, false);
    const x = counts.map((c) => c / view.d);
    return {
      values: aopc(y, counts.length),
      curves: [{ name: 'flipping', x, xLabel: 'fraction of features flipped', yLabel: scoreLabel(o.scores), y }],
    };
  },
});
