import { tf } from '../../core/tensor/tf.ts';
import { FEATURES, WEATHER_CLASSES, WINDOW } from './weather.ts';

/**
 * A 1-D CNN over `[N, 14, 4]` windows of standardised daily weather: two conv1d layers (16
 * filters of width 3), flatten (so the model knows which day is the last), dense softmax over
 * {@link WEATHER_CLASSES}.
 */
export function buildSeriesCnn(seed = 4): tf.Sequential {
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: seed * 100 + offset });
  return tf.sequential({
    layers: [
      tf.layers.conv1d({
        inputShape: [WINDOW, FEATURES.length],
        filters: 16,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: init(1),
        name: 'conv1',
      }),
      tf.layers.conv1d({ filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: init(2), name: 'conv2' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({
        units: WEATHER_CLASSES.length,
        activation: 'softmax',
        kernelInitializer: init(3),
        name: 'scores',
      }),
    ],
  });
}
