/**
 * Class scores of perturbed inputs, batched: every metric that perturbs inputs sends them
 * through the model here, at most `maxBatch` evaluations per call, never one sample at a time.
 */
import { z } from 'zod';
import { classScores, selectTargetScores } from '../attribution/scores.ts';
import { repeatPasses } from '../attribution/chunks.ts';
import type { MetricInput } from '../plugins/types.ts';
import { tf } from '../tensor/tf.ts';

/**
 * Which number of the class-score head a metric follows: the target's softmax `probability`
 * or its unnormalised `logit` (a head that only gives probabilities is used as it is).
 */
export type ScoreChoice = 'probability' | 'logit';
export const ScoreChoice: z.ZodType<ScoreChoice, ScoreChoice> = z.enum(['probability', 'logit']);

/** The target class's score for inputs `xs` `[M, ...]` and targets `[M]`: `[M]`, caller owns it. */
export function targetScore(input: MetricInput, xs: tf.Tensor, targets: tf.Tensor, choice: ScoreChoice): tf.Tensor1D {
  return tf.tidy(() => {
    const scores = classScores(input.model, xs, input.output) as tf.Tensor2D;
    const head = choice === 'probability' && input.outputScores !== 'post-softmax' ? tf.softmax(scores) : scores;
    return selectTargetScores(head as tf.Tensor2D, targets);
  });
}

/**
 * Scores of `passes` perturbed versions of the batch: `make(p)` returns pass p's inputs `[N, ...]`
 * (it runs inside `tf.tidy`). Passes are stacked into calls of at most `maxBatch` evaluations
 * (a pass is split by samples when N alone exceeds it). Returns `[N, passes]`, row-major.
 */
export async function scorePasses(
  input: MetricInput,
  passes: number,
  choice: ScoreChoice,
  maxBatch: number,
  make: (pass: number) => tf.Tensor,
): Promise<Float32Array> {
  const n = input.x.shape[0];
  const out = new Float32Array(n * passes);
  const per = Math.max(1, Math.floor(maxBatch / n));
  for (let p0 = 0; p0 < passes; p0 += per) {
    const count = Math.min(per, passes - p0);
    const scores = tf.tidy(() => {
      const xs = tf.concat(Array.from({ length: count }, (_, k) => make(p0 + k)), 0);
      const targets = repeatPasses(input.targets, count);
      const rows = xs.shape[0];
      if (rows <= maxBatch) return targetScore(input, xs, targets, choice);
      const parts: tf.Tensor[] = [];
      for (let r = 0; r < rows; r += maxBatch) {
        const size = Math.min(maxBatch, rows - r);
        parts.push(targetScore(input, tf.slice(xs, r, size), tf.slice(targets, r, size), choice));
      }
      return tf.concat(parts, 0);
    });
    const values = await scores.data();
    scores.dispose();
    for (let k = 0; k < count; k++) {
      for (let i = 0; i < n; i++) out[i * passes + p0 + k] = values[k * n + i];
    }
  }
  return out;
}

/** The maps a method gives for `xs` `[M, ...]` and `targets` `[M]`, `maxBatch` inputs per call: `[M, ...]`. */
export async function explainChunked(
  input: MetricInput,
  xs: tf.Tensor,
  targets: tf.Tensor,
  maxBatch: number,
): Promise<tf.Tensor> {
  const rows = xs.shape[0];
  if (rows <= maxBatch) return await input.explain(xs, targets);
  const parts: tf.Tensor[] = [];
  try {
    for (let r = 0; r < rows; r += maxBatch) {
      const size = Math.min(maxBatch, rows - r);
      const [x, t] = tf.tidy(() => [tf.slice(xs, r, size), tf.slice(targets, r, size)]);
      try {
        parts.push(await input.explain(x, t));
      } finally {
        tf.dispose([x, t]);
      }
    }
    return tf.concat(parts, 0);
  } finally {
    tf.dispose(parts);
  }
}

/** Area under a curve sampled at `x` (trapezoid rule), per row of `y` `[N, K]`: `[N]`. */
export function trapezoidArea(x: number[], y: Float32Array): Float32Array {
  const k = x.length;
  const n = y.length / k;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let area = 0;
    for (let j = 1; j < k; j++) area += ((y[i * k + j] + y[i * k + j - 1]) / 2) * (x[j] - x[j - 1]);
    out[i] = area;
  }
  return out;
}

/** Standard normal numbers from uniform ones (Box-Muller). */
export function normalSource(uniform: () => number): () => number {
  return () => {
    const u = 1 - uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}
