import { z } from 'zod';
import { type AttributionInput, type AttributionPlugin, GradlensError, inputGradient, tf } from '../../core/index.ts';

/**
 * Guided rules for the kernels whose gradient guided backpropagation replaces: a ReLU passes a
 * gradient only where its input was positive (forward) and the incoming gradient is positive
 * (backward); ReLU6 also only below 6.
 */
const GUIDED: { kernelName: string; mask: (x: tf.Tensor) => tf.Tensor }[] = [
  { kernelName: 'Relu', mask: (x) => tf.step(x) },
  { kernelName: 'Relu6', mask: (x) => tf.mul(tf.step(x), tf.cast(tf.lessEqual(x, 6), 'float32')) },
];

/**
 * Runs `f` with the ReLU and ReLU6 gradients replaced by the guided rule, restoring the
 * originals afterwards, so the user's model files and ops are untouched. `f` must be synchronous:
 * the override is global to tfjs while it runs. Fused conv/matmul kernels do not hide ReLUs here,
 * because tfjs only fuses an activation outside gradient mode (`shouldFuse` in tfjs-core).
 */
export function withGuidedRelu<T>(f: () => T): T {
  const originals = GUIDED.map(({ kernelName }) => tf.getGradient(kernelName));
  const missing = GUIDED.filter((_, i) => !originals[i]).map((g) => g.kernelName);
  if (missing.length > 0) {
    throw new GradlensError(
      `guided backprop needs the gradient of ${missing.join(', ')}, which this tfjs build does not register; ` +
        'use the @tensorflow/tfjs package (tfjs-core with its gradients)',
    );
  }
  for (const { kernelName, mask } of GUIDED) {
    tf.registerGradient({
      kernelName,
      inputsToSave: ['x'],
      gradFunc: (dy, saved) => ({ x: () => tf.mul(tf.relu(dy as tf.Tensor), mask(saved[0])) }),
    });
  }
  try {
    return f();
  } finally {
    for (const original of originals) tf.registerGradient(original!);
  }
}

/** The guided-backprop map of a batch: the input gradient with guided ReLUs, of `x`'s shape. */
export function guidedGradient({ model, x, targets, output }: AttributionInput): tf.Tensor {
  return withGuidedRelu(() => inputGradient(model, x, targets, output));
}

/**
 * Guided backpropagation (Springenberg et al. 2015): the class-score gradient with respect to the
 * input, where every ReLU (and ReLU6) passes back only positive gradients at positive inputs.
 * Signed, of the input's shape; |.| and max over channels by default. Without ReLUs it equals the
 * plain gradient.
 */
export const guidedBackprop: AttributionPlugin<Record<string, never>> = {
  kind: 'attribution',
  name: 'guided-backprop',
  description: 'Gradient with ReLUs passing back only positive gradients; |.| and max over channels by default.',
  reference: 'Springenberg, Dosovitskiy, Brox & Riedmiller 2015, Striving for Simplicity: The All Convolutional Net',
  options: z.object({}).strict(),
  needs: ['gradients'],
  signed: true,
  defaults: { abs: true },
  cost: () => ({ forward: 1, backward: 1 }),
  attribute: (input) => guidedGradient(input),
};

export default guidedBackprop;
