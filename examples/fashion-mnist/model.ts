import { tf } from '../../core/tensor/tf.ts';

/**
 * The small CNN of the examples: conv 3x3x16 → maxpool → conv 3x3x32 → maxpool → dense 64 →
 * dense 10 with softmax (about 57k parameters, 220 kB of float32 weights). Input `[N, 28, 28, 1]`
 * in [0, 1]. The final softmax is kept in the saved model on purpose: gradlens evaluates the
 * layer without it, so maps explain unnormalised class scores.
 */
export function buildCnn(seed = 1): tf.Sequential {
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: seed * 100 + offset });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 16,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: init(1),
        name: 'conv1',
      }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: init(2), name: 'conv2' }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: init(3), name: 'dense1' }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(4), name: 'scores' }),
    ],
  });
}
