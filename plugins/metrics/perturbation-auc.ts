/**
 * The deletion and insertion curves of Petsiuk, Das & Saenko (2018), one definition for both:
 * features are deleted from the input (replaced by the baseline) or inserted into the baseline,
 * most relevant first, `steps` equal steps; the curve is the target's probability after each
 * step over the fraction of features changed, the value its area (trapezoid rule over [0, 1]).
 */
import { z } from 'zod';
import {
  baselineCurve,
  evenCounts,
  featureView,
  maxBatchOption,
  MetricBaseline,
  type MetricInput,
  type MetricOutput,
  relevanceRanks,
  ScoreChoice,
  scoreLabel,
  trapezoidArea,
} from '../../core/index.ts';

/** Options of `deletion-auc` and `insertion-auc` (see the schema's descriptions). */
export interface PerturbationAucOptions {
  steps: number;
  baseline: MetricBaseline;
  blurSigma: number;
  scores: ScoreChoice;
  seed?: number;
  maxBatch?: number;
}

export function perturbationAucOptions(baseline: MetricBaseline): z.ZodType<PerturbationAucOptions> {
  return z.object({
    steps: z.number().int().positive().default(100).describe('equal steps from no feature to all features'),
    baseline: MetricBaseline.default(baseline).describe(
      "what deleted features become / what features are inserted into: 'zeros', 'blur', 'uniform' or a number",
    ),
    blurSigma: z.number().positive().default(5).describe("standard deviation of the 'blur' baseline, in pixels"),
    scores: ScoreChoice.default('probability').describe("the target's softmax 'probability' (paper) or 'logit'"),
    seed: z.number().int().optional().describe("seed of the 'uniform' baseline"),
    maxBatch: maxBatchOption,
  }).strict();
}

/** The curve and its area for a batch. */
export async function perturbationAuc(
  input: MetricInput,
  o: PerturbationAucOptions,
  insert: boolean,
): Promise<MetricOutput> {
  const view = featureView(input.x.shape, input.maps.shape);
  const ranks = relevanceRanks((await input.maps.data()) as Float32Array, view.n, view.d);
  const y = await baselineCurve(input, o, ranks, evenCounts(view.d, o.steps), insert);
  const x = Array.from({ length: o.steps + 1 }, (_, k) => k / o.steps);
  return {
    values: trapezoidArea(x, y),
    curves: [{
      name: insert ? 'insertion' : 'deletion',
      x,
      xLabel: `fraction of features ${insert ? 'inserted' : 'deleted'}`,
      yLabel: scoreLabel(o.scores),
      y,
    }],
  };
}
