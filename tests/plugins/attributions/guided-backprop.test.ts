import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inputGradient } from '../../../core/attribution/scores.ts';
import { initBackend } from '../../../core/engine/backend.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { defineModel } from '../../../core/models/define.ts';
import { fromLayersModel } from '../../../core/models/layers.ts';
import { guidedBackprop } from '../../../plugins/attributions/guided-backprop.ts';
import { fixWeights, inputs, mapValues, maxDiff, read } from './fixtures.ts';

const test = suite('guided-backprop');
test.before(async () => {
  await initBackend();
});

test('on a network without ReLU equals the gradient', async () => {
  const net = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'tanh' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, activation: 'sigmoid' }),
      tf.layers.dense({ units: 3 }),
    ],
  });
  fixWeights(net);
  const model = fromLayersModel(net);
  const x = inputs(2, [6, 6, 2]);
  const t = tf.tensor1d([2, 0], 'int32');
  const gradient = read(inputGradient(model, x, t, model.outputs[0].name));
  const guided = await mapValues(guidedBackprop, model, x, [2, 0]);
  assert.ok(gradient.some((v) => v !== 0));
  assert.ok(maxDiff(guided, gradient) < 1e-6);
  tf.dispose([x, t]);
  model.dispose();
});

test('follows the guided rule through ReLU and ReLU6', async () => {
  // S = v . relu6(relu(x W)): guided dS/dx = W (relu(v) * [0 < h < 6] * [h' > 0])... written out below.
  const w = tf.tensor2d([[1, -2, 0.5], [-1, 1, 3], [2, 0.5, -1]]);
  const v = tf.tensor2d([[1, -1], [-2, 1], [1, 1]]);
  const model = defineModel({ inputShape: [3], predict: (x) => tf.matMul(tf.relu6(tf.relu(tf.matMul(x, w))), v) });
  const x = tf.tensor2d([[1, 0.5, 2], [0.2, -1, 0.4]]);
  const guided = await mapValues(guidedBackprop, model, x, [0, 1]);
  const W = [[1, -2, 0.5], [-1, 1, 3], [2, 0.5, -1]];
  const V = [[1, -1], [-2, 1], [1, 1]];
  const X = [[1, 0.5, 2], [0.2, -1, 0.4]];
  const expected = X.flatMap((xs, n) => {
    const c = [0, 1][n];
    const h = [0, 1, 2].map((j) => xs.reduce((s, xi, i) => s + xi * W[i][j], 0));
    // Backward: dy = v[j][c] at the ReLU6 output; guided ReLU6 keeps relu(dy) where 0 < h <= 6,
    // then the guided ReLU keeps relu(.) where h > 0 (already non-negative).
    const dh = h.map((hj, j) => (hj > 0 && hj <= 6 ? Math.max(0, V[j][c]) : 0));
    return [0, 1, 2].map((i) => dh.reduce((s, d, j) => s + d * W[i][j], 0));
  });
  assert.ok(maxDiff(guided, expected) < 1e-6, `${guided} vs ${expected}`);
  const t = tf.tensor1d([0, 1], 'int32');
  const plain = read(inputGradient(model, x, t, 'output'));
  assert.ok(maxDiff(plain, expected) > 0.1, 'guided differs from the plain gradient here');
  tf.dispose([w, v, x, t]);
});

test('restores the ReLU gradients afterwards', async () => {
  const before = [tf.getGradient('Relu'), tf.getGradient('Relu6')];
  const model = defineModel({ inputShape: [2], predict: (x) => tf.relu(tf.mul(x, -1)) });
  const x = tf.tensor2d([[-1, 2]]);
  await mapValues(guidedBackprop, model, x, [0]);
  assert.is(tf.getGradient('Relu'), before[0]);
  assert.is(tf.getGradient('Relu6'), before[1]);
  const t = tf.tensor1d([0], 'int32');
  assert.equal(read(inputGradient(model, x, t, 'output')), [-1, 0], 'plain ReLU gradient again');
  tf.dispose([x, t]);
});

test.run();
