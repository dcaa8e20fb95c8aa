/**
 * Tiny deterministic models and helpers for the attribution property tests. Weights are fixed
 * functions of their index, so every runtime and backend sees the same model.
 */
import { tf } from '../../../core/tensor/tf.ts';
import { defineModel } from '../../../core/models/define.ts';
import { fromLayersModel } from '../../../core/models/layers.ts';
import type { AttributionOutput, AttributionPlugin, LoadedModel } from '../../../core/plugins/types.ts';
import { prepareMethod } from '../../../core/pipeline/methods.ts';
import { builtinRegistry } from '../../../plugins/index.ts';

/** Deterministic values in [-1, 1): a fixed pseudo-random sequence. */
export function values(count: number, salt = 1): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.sin((i + 1) * 12.9898 * salt + salt * 78.233) % 1;
  return out;
}

/** A linear model S = flatten(x) W + b on inputs `shape`, K classes; also returns W `[D, K]` as numbers. */
export function linearModel(
  shape: number[],
  classes: number,
): { model: LoadedModel; w: Float32Array; b: Float32Array } {
  const d = shape.reduce((a, c) => a * c, 1);
  const w = values(d * classes, 3);
  const b = values(classes, 7);
  const wt = tf.tensor2d(w, [d, classes]);
  const bt = tf.tensor1d(b);
  const model = defineModel({
    inputShape: shape,
    predict: (x) => tf.add(tf.matMul(tf.reshape(x, [x.shape[0], d]), wt), bt),
    dispose: () => tf.dispose([wt, bt]),
  });
  return { model, w, b };
}

/** Deterministic inputs `[n, ...shape]` in [0, 1). */
export function inputs(n: number, shape: number[], salt = 5): tf.Tensor {
  const count = n * shape.reduce((a, c) => a * c, 1);
  return tf.tidy(() => tf.abs(tf.tensor(values(count, salt), [n, ...shape])));
}

/** Sets every weight of a LayersModel to fixed values of scale `scale` (biases small and positive). */
export function fixWeights(model: tf.LayersModel, scale = 0.5): void {
  const weights = model.getWeights().map((w, i) =>
    tf.tidy(() => {
      const v = values(w.size, i + 2);
      const isBias = w.rank === 1;
      return tf.tensor(isBias ? v.map((a) => 0.05 + 0.05 * Math.abs(a)) : v.map((a) => a * scale), w.shape);
    })
  );
  model.setWeights(weights);
  tf.dispose(weights);
}

/** A small ReLU CNN on `[8, 8, 2]` inputs with 3 classes and fixed non-trivial weights. */
export function smallCnn(): LoadedModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, activation: 'relu', name: 'conv' }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv2' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 8, activation: 'relu' }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  fixWeights(model);
  return fromLayersModel(model);
}

/** Host values of a tensor, for assertions. */
export function read(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

/** Largest absolute elementwise difference. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Runs a method on a batch with fixed targets, prepared as a run prepares it (options parsed,
 * wrapped methods resolved from the built-ins); returns its raw output (caller disposes).
 */
export async function run<O>(
  plugin: AttributionPlugin<O>,
  model: LoadedModel,
  x: tf.Tensor,
  targets: number[],
  options: Record<string, unknown> = {},
): Promise<AttributionOutput> {
  const registry = builtinRegistry();
  const prepared = prepareMethod(plugin as AttributionPlugin, options, plugin.name, {
    resolve: (name) => registry.get('attribution', name),
  });
  const t = tf.tensor1d(targets, 'int32');
  try {
    return await prepared.attribute({ model, x, targets: t, output: model.outputs[0].name });
  } finally {
    t.dispose();
  }
}

/** Disposes a method's output. */
export function release(output: AttributionOutput): void {
  tf.dispose([output.map, ...Object.values(output.perSample ?? {})]);
}

/** Runs a method and returns its raw map's values, leaving nothing allocated. */
export async function mapValues<O>(
  plugin: AttributionPlugin<O>,
  model: LoadedModel,
  x: tf.Tensor,
  targets: number[],
  options: Record<string, unknown> = {},
): Promise<number[]> {
  const out = await run(plugin, model, x, targets, options);
  try {
    return read(out.map);
  } finally {
    release(out);
  }
}

/**
 * A small ReLU CNN trained for 20 Adam steps to tell apart three synthetic classes: a bright 3x3
 * blob at column 2c of an `[8, 8, 2]` image on faint noise. The convolutions keep fixed weights
 * (trainable: false), so training needs only dense-layer gradients, which every backend has.
 * Returns the model and its 24 training images `[24, 8, 8, 2]` with labels (sample s has class s % 3).
 */
export async function trainedCnn(): Promise<{ model: LoadedModel; x: tf.Tensor; labels: number[] }> {
  const net = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, activation: 'relu', trainable: false }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', trainable: false }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 8, activation: 'relu' }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  fixWeights(net);
  const n = 24;
  const data = new Float32Array(n * 128);
  const noise = values(n * 128, 11);
  const labels = Array.from({ length: n }, (_, s) => s % 3);
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < 128; j++) {
      const [row, col, channel] = [Math.floor(j / 16), Math.floor(j / 2) % 8, j % 2];
      const blob = row >= 2 && row < 5 && col >= 2 * labels[s] && col < 2 * labels[s] + 3;
      data[s * 128 + j] = 0.1 * Math.abs(noise[s * 128 + j]) + (blob ? (channel === 0 ? 1 : 0.5) : 0);
    }
  }
  const x = tf.tensor4d(data, [n, 8, 8, 2]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 3));
  const optimizer = tf.train.adam(0.05);
  net.compile({ optimizer, loss: 'categoricalCrossentropy' });
  await net.fit(x, y, { epochs: 20, batchSize: n, verbose: 0 });
  y.dispose();
  optimizer.dispose();
  return { model: fromLayersModel(net), x, labels };
}
