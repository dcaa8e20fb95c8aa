import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../../core/engine/backend.ts';
import { fromLayersModel } from '../../../core/models/layers.ts';
import { measure } from '../../../core/pipeline/measure.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { vanillaGradient } from '../../../plugins/attributions/vanilla-gradient.ts';
import { modelRandomisation } from '../../../plugins/metrics/model-randomisation.ts';
import { randomLogit } from '../../../plugins/metrics/random-logit.ts';
import { averageRanks, pearson, spearman, ssim } from '../../../core/metrics/similarity.ts';
import { initialValue } from '../../../core/metrics/randomise.ts';
import { mixSeed } from '../../../core/attribution/random.ts';
import { seeded, setSeededWeights, smallConvNet } from '../../helpers/fixtures.ts';
import { linearModel } from './helpers.ts';

const test = suite('metrics: randomisation');
test.before(async () => {
  await initBackend();
});

test('similarities by hand: Spearman with ties, Pearson, SSIM of a map with itself and with its negative', () => {
  assert.equal(Array.from(averageRanks([10, 20, 20, 5])), [2, 3.5, 3.5, 1]);
  assert.ok(Math.abs(spearman([1, 2, 3, 4], [10, 20, 30, 400]) - 1) < 1e-12);
  assert.ok(Math.abs(spearman([1, 2, 3, 4], [4, 3, 2, 1]) + 1) < 1e-12);
  // Ranks [1, 2.5, 2.5, 4] against [1, 2, 3, 4]: r = 4.5 / sqrt(4.5 * 5).
  assert.ok(Math.abs(spearman([1, 2, 2, 3], [1, 2, 3, 4]) - 4.5 / Math.sqrt(4.5 * 5)) < 1e-12);
  assert.ok(Math.abs(pearson([1, 2, 3], [2, 4, 7]) - 0.9933992677987828) < 1e-12);
  const map = Array.from(seeded(64, 2));
  assert.ok(Math.abs(ssim(map, map, [8, 8]) - 1) < 1e-9);
  assert.ok(ssim(map, map.map((v) => -v), [8, 8]) < 0);
  // Min-max normalised first: a map and its affine image are the same.
  assert.ok(Math.abs(ssim(map, map.map((v) => 3 * v + 1), [8, 8]) - 1) < 1e-9);
});

test('re-initialisation: Glorot-uniform kernels within their limit, zero biases, seeded', () => {
  const k = initialValue('conv/kernel', [3, 3, 2, 4], 7);
  const limit = Math.sqrt(6 / (3 * 3 * 2 + 3 * 3 * 4));
  const values = Array.from(k.dataSync());
  assert.ok(values.every((v) => Math.abs(v) <= limit) && values.some((v) => Math.abs(v) > limit / 2));
  assert.equal(Array.from(initialValue('conv/kernel', [3, 3, 2, 4], 7).dataSync()), values);
  assert.ok(initialValue('conv/bias', [4], 7).dataSync().every((v) => v === 0));
  assert.ok(initialValue('bn/moving_variance', [4], 7).dataSync().every((v) => v === 1));
  tf.dispose(k);
});

test('model randomisation on a linear model: one layer, one curve point; weights and tensors restored', async () => {
  const model = linearModel([4, 3, 2, 1], 2, 2);
  const x = tf.tensor(seeded(4, 3), [1, 2, 2, 1]);
  const labels = tf.tensor1d([0], 'int32');
  const before = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  const options = {
    method: vanillaGradient,
    abs: false,
    labels,
    metric: modelRandomisation,
    metricOptions: { seed: 3, similarity: 'spearman', abs: false },
  };
  await measure(model, x, options);
  const tensors = tf.memory().numTensors;
  const r = await measure(model, x, options);
  assert.is(tf.memory().numTensors, tensors, 'no tensor left behind');
  assert.equal(r.curves.map((c) => c.name), ['spearman', 'ssim']);
  assert.equal(r.curves[0].labels, [model.layers[1].name]);
  assert.is(r.curves[0].y.length, 1);
  assert.ok(Math.abs(r.values[0] - r.curves[0].y[0]) < 1e-7, 'the value is the mean over the one layer');
  const after = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  assert.equal(Array.from(after), Array.from(before), 'the weights are back');
  tf.dispose([x, labels]);
  model.dispose();
});

test('model randomisation: the randomised gradient is what the seed draws, exactly', async () => {
  const model = linearModel([4, 3, 2, 1], 2, 2);
  const x = tf.ones([1, 2, 2, 1]);
  const labels = tf.tensor1d([0], 'int32');
  const layer = fromLayersModel(model).weightedLayers!()[0];
  const r = await measure(model, x, {
    method: vanillaGradient,
    abs: false,
    labels,
    metric: modelRandomisation,
    metricOptions: { seed: 11, similarity: 'spearman', abs: false },
  });
  const drawn = initialValue(layer.weights[0].name, [4, 2], mixed(11));
  const column = [0, 1, 2, 3].map((i) => drawn.dataSync()[i * 2]);
  assert.ok(Math.abs(r.values[0] - spearman([4, 3, 2, 1], column)) < 1e-6, `${r.values[0]}`);
  tf.dispose([x, labels, drawn]);
  model.dispose();
});

test('random logit: a 2-class linear model whose classes read the features in reverse gives Spearman -1', async () => {
  const model = tf.sequential();
  model.add(tf.layers.flatten({ inputShape: [2, 2, 1] }));
  model.add(tf.layers.dense({ units: 2, useBias: false }));
  model.layers[1].setWeights([tf.tensor2d([[4, 1], [3, 2], [2, 3], [1, 4]])]);
  const x = tf.ones([2, 2, 2, 1]);
  const labels = tf.tensor1d([0, 1], 'int32');
  const r = await measure(model, x, {
    method: vanillaGradient,
    abs: false,
    labels,
    metric: randomLogit,
    metricOptions: { similarity: 'spearman', seed: 1 },
  });
  assert.equal(Array.from(r.values), [-1, -1]);
  tf.dispose([x, labels]);
  model.dispose();
});

test('model randomisation on a conv net: one curve point per weighted layer, top first; refuses models without weights', async () => {
  const net = smallConvNet({ classes: 3, activation: 'relu' });
  setSeededWeights(net, 5);
  const x = tf.tensor(seeded(2 * 8 * 8 * 3, 6), [2, 8, 8, 3]);
  const r = await measure(net, x, { method: vanillaGradient, metric: modelRandomisation, metricOptions: { seed: 2 } });
  const layers = fromLayersModel(net).weightedLayers!().map((l) => l.name).reverse();
  assert.equal(r.curves[0].labels, layers);
  assert.is(r.curves[1].y.length, 2 * layers.length);
  const code = { inputShape: [8, 8, 3], predict: (t: tf.Tensor) => tf.sum(t, [1, 2]) };
  try {
    await measure(code, x, { method: vanillaGradient, metric: modelRandomisation });
    assert.unreachable('a model without weighted layers is refused');
  } catch (error) {
    assert.match((error as Error).message, /randomises the model's weights, and this model exposes none/);
  }
  x.dispose();
  net.dispose();
});

/** The seed the metric uses for layer 0, weight 0. */
function mixed(seed: number): number {
  return mixSeed(seed, 0, 0);
}

test("independent randomisation: the first step equals the cascade's, later steps randomise one layer alone", async () => {
  const net = smallConvNet({ classes: 3, activation: 'relu' });
  setSeededWeights(net, 8);
  const x = tf.tensor(seeded(2 * 8 * 8 * 3, 9), [2, 8, 8, 3]);
  const run = (order: string) =>
    measure(net, x, {
      method: vanillaGradient,
      metric: modelRandomisation,
      metricOptions: { seed: 4, order, similarity: 'spearman' },
    });
  const cascading = await run('cascading');
  const independent = await run('independent');
  const layers = cascading.curves[0].x.length;
  assert.ok(layers >= 2);
  const first = (c: typeof cascading) => [0, 1].map((i) => c.curves[0].y[i * layers]);
  assert.equal(first(independent), first(cascading));
  // The last step of the cascade has every layer random; alone, the input layer leaves the rest intact.
  const last = (c: typeof cascading) => [0, 1].map((i) => c.curves[0].y[i * layers + layers - 1]);
  assert.not.equal(last(independent), last(cascading));
  x.dispose();
  net.dispose();
});

test.run();
