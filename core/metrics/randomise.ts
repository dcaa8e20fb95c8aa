/**
 * Randomising a model's weights for the model parameter randomisation test (Adebayo et al.
 * 2018), and putting them back. A layer is re-initialised as it was before training, with the
 * initialisers tfjs layers use by default: kernels Glorot-uniform (limit sqrt(6 / (fan_in +
 * fan_out))), biases, batch-norm shifts and moving means zeros, batch-norm scales and moving
 * variances ones. Values come from the seed, the layer's position and the weight's position, so
 * every worker draws the same.
 */
import { mixSeed, uniformSource } from '../attribution/random.ts';
import type { LoadedModel, WeightedLayer } from '../plugins/types.ts';
import { tf } from '../tensor/tf.ts';

/** The model's weighted layers from the output down (the order the cascade randomises them). */
export function layersTopDown(model: LoadedModel): WeightedLayer[] {
  return [...(model.weightedLayers?.() ?? [])].reverse();
}

/** A re-initialised value for weight `name` of `shape`. */
export function initialValue(name: string, shape: number[], seed: number): tf.Tensor {
  const base = name.split('/').pop() ?? name;
  if (/^(bias|beta|moving_mean)/.test(base)) return tf.zeros(shape);
  if (/^(gamma|moving_variance)/.test(base)) return tf.ones(shape);
  const size = shape.reduce((a, b) => a * b, 1);
  let fanIn = size;
  let fanOut = size;
  if (shape.length >= 2) {
    const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    fanIn = shape[shape.length - 2] * receptive;
    fanOut = shape[shape.length - 1] * receptive;
  }
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const next = uniformSource(seed);
  return tf.tensor(Float32Array.from({ length: size }, () => limit * (2 * next() - 1)), shape);
}

/**
 * Re-initialises every weight of `layer` (see the module comment); `index` is the layer's place
 * in the cascade, mixed into the seed.
 */
export function randomiseLayer(layer: WeightedLayer, seed: number, index: number): void {
  layer.weights.forEach((w, j) => {
    const value = initialValue(w.name, w.shape, mixSeed(seed, index, j));
    w.write(value);
    value.dispose();
  });
}

/** Copies of every weight of the model, to {@link restoreWeights} later. */
export function saveWeights(model: LoadedModel): tf.Tensor[][] {
  return (model.weightedLayers?.() ?? []).map((l) => l.weights.map((w) => tf.clone(w.read())));
}

/** Writes back what {@link saveWeights} copied (the copies stay valid). */
export function writeWeights(model: LoadedModel, saved: tf.Tensor[][]): void {
  (model.weightedLayers?.() ?? []).forEach((l, i) => l.weights.forEach((w, j) => w.write(saved[i][j])));
}

/** Writes back what {@link saveWeights} copied, and frees the copies. */
export function restoreWeights(model: LoadedModel, saved: tf.Tensor[][]): void {
  writeWeights(model, saved);
  tf.dispose(saved.flat());
}
