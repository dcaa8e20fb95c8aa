/**
 * Maps as features: a batch's maps `[N, ...mapShape]` as `[N, D]` relevances, and its inputs as
 * `[N, D, C]`, where each map entry covers the C input values it summarises (the channels a
 * reduced image map takes the max or sum over, or 1 when the map has the input's shape). Metrics
 * that delete, insert or perturb "features" act on all C values of a feature at once.
 */
import { GradlensError } from '../errors/errors.ts';
import { tf } from '../tensor/tf.ts';

export interface FeatureView {
  n: number;
  /** Features per sample (map entries). */
  d: number;
  /** Input values per feature. */
  c: number;
}

/** How the maps relate to the inputs; a GradlensError when they do not fit. */
export function featureView(inputShape: number[], mapShape: number[]): FeatureView {
  const sample = inputShape.slice(1);
  const map = mapShape.slice(1);
  const d = map.reduce((a, b) => a * b, 1);
  const same = sample.join() === map.join();
  const reduced = sample.length === map.length + 1 && sample.slice(0, -1).join() === map.join();
  if (!same && !reduced) {
    throw new GradlensError(
      `maps of shape [${map}] do not fit inputs of shape [${sample}]: expected the input's shape or it without its last axis`,
    );
  }
  return { n: inputShape[0], d, c: same ? 1 : sample[sample.length - 1] };
}

/**
 * For every sample, the position of each feature when features are ordered by decreasing
 * relevance (ties keep index order), as float32 `[N, D]`: `rank < k` selects the k most relevant.
 */
export function relevanceRanks(maps: Float32Array, n: number, d: number): Float32Array {
  const ranks = new Float32Array(n * d);
  const order = new Int32Array(d);
  for (let i = 0; i < n; i++) {
    const row = maps.subarray(i * d, (i + 1) * d);
    for (let j = 0; j < d; j++) order[j] = j;
    order.sort((a, b) => row[b] - row[a] || a - b);
    for (let r = 0; r < d; r++) ranks[i * d + order[r]] = r;
  }
  return ranks;
}

/**
 * `x` `[N, ...]` with the features where `mask` (`[N, D]`, 1 = replace) is set taken from
 * `replacement` (same shape as `x`). Returns a tensor of `x`'s shape.
 */
export function replaceFeatures(x: tf.Tensor, replacement: tf.Tensor, mask: tf.Tensor, view: FeatureView): tf.Tensor {
  return tf.tidy(() => {
    const shape = [x.shape[0], view.d, view.c];
    const m = tf.reshape(mask, [x.shape[0], view.d, 1]).cast('bool');
    const picked = tf.where(tf.broadcastTo(m, shape), tf.reshape(replacement, shape), tf.reshape(x, shape));
    return tf.reshape(picked, x.shape);
  });
}

/** Sums features of `[N, ...]` values into `[N, D]` per the view (a map-shaped perturbation's share). */
export function featureSums(values: tf.Tensor, view: FeatureView): tf.Tensor2D {
  return tf.tidy(() => tf.sum(tf.reshape(values, [values.shape[0], view.d, view.c]), 2) as tf.Tensor2D);
}
