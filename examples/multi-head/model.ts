import { tf } from '../../core/tensor/tf.ts';

/** The auxiliary head's classes: where a Fashion-MNIST item is worn. */
export const BODY_PARTS = ['upper body', 'lower body', 'footwear', 'bag'];

/** Body part of each Fashion-MNIST class (dresses count as upper body: they hang from the shoulders). */
export const BODY_PART_OF_CLASS = [0, 1, 0, 0, 0, 2, 0, 2, 3, 2];

/** Output names, in the model's output order; attributions choose a head by these names. */
export const OUTPUTS = ['class_logits', 'body_part', 'class_probs'] as const;

/**
 * A functional model with three heads on a shared trunk (the fashion-mnist example's CNN up to
 * its 64-unit layer): `class_logits` `[N, 10]` (linear: logits), `body_part` `[N, 4]` (softmax
 * over {@link BODY_PARTS}) and `class_probs` `[N, 10]` (a Softmax layer on the logits, i.e. the
 * probabilities). Input `[N, 28, 28, 1]` in [0, 1].
 */
export function buildMultiHead(seed = 3): tf.LayersModel {
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: seed * 100 + offset });
  const input = tf.input({ shape: [28, 28, 1], name: 'image' });
  let h = tf.layers.conv2d({
    filters: 16,
    kernelSize: 3,
    activation: 'relu',
    kernelInitializer: init(1),
    name: 'conv1',
  })
    .apply(input) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: init(2), name: 'conv2' })
    .apply(h) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten({ name: 'flatten' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: init(3), name: 'trunk' })
    .apply(h) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 10, kernelInitializer: init(4), name: OUTPUTS[0] })
    .apply(h) as tf.SymbolicTensor;
  const part = tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: init(5), name: OUTPUTS[1] })
    .apply(h) as tf.SymbolicTensor;
  const probs = tf.layers.softmax({ name: OUTPUTS[2] }).apply(logits) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [logits, part, probs], name: 'multi_head' });
}
