/**
 * Perturbation curves: the target's score as features are deleted from the input (replaced by a
 * baseline) or inserted into the baseline, in the order a map ranks them, most relevant first.
 * The deletion and insertion AUCs, pixel flipping and region perturbation all read one.
 */
import { resolveMaxBatch } from '../attribution/chunks.ts';
import type { MetricInput } from '../plugins/types.ts';
import { tf } from '../tensor/tf.ts';
import { type MetricBaseline, metricBaseline } from './baseline.ts';
import { featureView, replaceFeatures } from './features.ts';
import { type ScoreChoice, scorePasses } from './scores.ts';

export interface CurveSpec {
  /** Rank of each feature `[N, D]` (0 = most relevant; equal ranks go together). */
  ranks: Float32Array;
  /** Step k perturbs the features of rank below `counts[k]`; `counts[0]` is usually 0. */
  counts: number[];
  /** The replacement values, of the input's shape. */
  baseline: tf.Tensor;
  /** Insert features into the baseline instead of deleting them from the input. */
  insert: boolean;
  scores: ScoreChoice;
  maxBatch: number;
}

/** The score after each step, `[N, K]` with K = `counts.length`. */
export async function perturbationCurve(input: MetricInput, spec: CurveSpec): Promise<Float32Array> {
  const view = featureView(input.x.shape, input.maps.shape);
  const ranks = tf.tensor2d(spec.ranks, [view.n, view.d]);
  try {
    return await scorePasses(input, spec.counts.length, spec.scores, spec.maxBatch, (k) => {
      const chosen = tf.less(ranks, spec.counts[k]);
      return spec.insert
        ? replaceFeatures(spec.baseline, input.x, chosen, view)
        : replaceFeatures(input.x, spec.baseline, chosen, view);
    });
  } finally {
    ranks.dispose();
  }
}

/** Features removed after each of `steps` equal steps over `d` features: `[0, ..., d]`. */
export function evenCounts(d: number, steps: number): number[] {
  return Array.from({ length: steps + 1 }, (_, k) => Math.round((k * d) / steps));
}

/** The options a perturbation-curve metric takes for its baseline, its score and its batches. */
export interface BaselineCurveOptions {
  baseline: MetricBaseline;
  blurSigma: number;
  seed?: number;
  scores: ScoreChoice;
  maxBatch?: number;
}

/**
 * {@link perturbationCurve} with the baseline made from the metric's options (per-sample noise
 * seeded by the sample's place in the run) and disposed after: `[N, K]`, K = `counts.length`.
 */
export async function baselineCurve(
  input: MetricInput,
  o: BaselineCurveOptions,
  ranks: Float32Array,
  counts: number[],
  insert: boolean,
): Promise<Float32Array> {
  const baseline = metricBaseline(input.x, o.baseline, {
    blurSigma: o.blurSigma,
    seed: o.seed ?? 0,
    offset: input.offset,
  });
  try {
    const maxBatch = resolveMaxBatch(input.x, o.maxBatch);
    return await perturbationCurve(input, { ranks, counts, baseline, insert, scores: o.scores, maxBatch });
  } finally {
    baseline.dispose();
  }
}

/** The y-axis label of a curve of `scores`. */
export function scoreLabel(scores: ScoreChoice): string {
  return scores === 'probability' ? 'target probability' : 'target logit';
}
