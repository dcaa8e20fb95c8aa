import { tf } from '../tensor/tf.ts';
import { GradlensError } from '../errors/errors.ts';
import type { LoadedModel } from '../plugins/types.ts';
import { classScores, selectTargetScores } from './scores.ts';
import { repeatPasses } from './chunks.ts';

/** Throws unless `x` is a batch of images `[N, H, W, C]`; `method` names who needs it. */
export function requireImages(x: tf.Tensor, method: string): void {
  if (x.rank !== 4) {
    throw new GradlensError(`${method} needs images [N, H, W, C]; got inputs of shape [${x.shape.join(', ')}]`);
  }
}

/**
 * Class scores of images `xs` `[size, H, W, C]` seen through each of `masks` `[P, H, W]`: mask
 * value m keeps m of the pixel and fills 1 - m with `fill` (over all channels). Returns the
 * target score `[P, size]` (pass-major) as the head gives it, or its softmax probability when
 * `probability` is set and the head is pre-softmax.
 */
export function maskedScores(
  model: LoadedModel,
  xs: tf.Tensor,
  masks: tf.Tensor,
  fill: number,
  targets: tf.Tensor,
  output: string,
  probability = false,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [passes, h, w] = masks.shape;
    const size = xs.shape[0];
    const m = tf.reshape(masks, [passes, 1, h, w, 1]);
    const seen = tf.add(tf.mul(tf.expandDims(xs, 0), m), tf.mul(tf.sub(1, m), fill));
    let scores: tf.Tensor2D = classScores(model, tf.reshape(seen, [passes * size, ...xs.shape.slice(1)]), output);
    const kind = model.outputs.find((o) => o.name === output)?.scores;
    if (probability && kind === 'pre-softmax') scores = tf.softmax(scores);
    return tf.reshape(selectTargetScores(scores, repeatPasses(targets, passes)), [passes, size]) as tf.Tensor2D;
  });
}
