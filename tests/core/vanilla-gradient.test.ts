import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { attribute } from '../../core/pipeline/attribute.ts';
import { applyConventions } from '../../core/attribution/reduce.ts';
import { initBackend } from '../../core/engine/backend.ts';
import { tf } from '../../core/tensor/tf.ts';
import { defineModel } from '../../core/models/define.ts';
import { fromLayersModel } from '../../core/models/layers.ts';
import { vanillaGradient } from '../../plugins/attributions/vanilla-gradient.ts';
import { seeded, setSeededWeights, smallConvNet } from '../helpers/fixtures.ts';

const test = suite('vanilla-gradient');
test.before(async () => {
  await initBackend();
});

/** Central finite differences of the target score for every input coordinate of sample `i`. */
function finiteDifferences(model: tf.LayersModel, x: tf.Tensor, i: number, target: number, eps: number): Float32Array {
  return tf.tidy(() => {
    const sample = x.slice([i], [1]);
    const size = sample.size;
    const eye = tf.oneHot(tf.range(0, size, 1, 'int32'), size).mul(eps).reshape([size, ...x.shape.slice(1)]);
    const plus = model.predict(sample.add(eye)) as tf.Tensor;
    const minus = model.predict(sample.sub(eye)) as tf.Tensor;
    const diff = plus.sub(minus).slice([0, target], [size, 1]).reshape([size]).div(2 * eps);
    return diff.dataSync() as Float32Array;
  });
}

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

test('equals central finite differences on a small conv net (relative error < 1e-3)', async () => {
  // Smooth layers only: finite differences are meaningless across a max-pooling switch.
  const net = smallConvNet({ activation: 'tanh', classes: 5, pooling: 'average' });
  const x = tf.tensor(seeded(3 * 8 * 8 * 3, 11), [3, 8, 8, 3]);
  const labels = tf.tensor1d([0, 3, 4], 'int32');
  const { maps, targets, perSample } = await attribute(fromLayersModel(net), x, {
    method: vanillaGradient,
    labels,
    abs: false,
    reduce: 'none',
  });
  const grads = await maps.data();
  for (const [i, c] of [0, 3, 4].entries()) {
    const fd = finiteDifferences(net, x, i, c, 2e-3);
    const per = 8 * 8 * 3;
    const err = relativeError(grads.subarray(i * per, (i + 1) * per), fd);
    assert.ok(err < 1e-3, `sample ${i}: relative error ${err}`);
  }
  tf.dispose([maps, targets, x, labels, ...Object.values(perSample)]);
  net.dispose();
});

test('equals central finite differences with GlobalAveragePooling2D and a softmax head (pre-softmax)', async () => {
  const net = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'tanh' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 4, activation: 'softmax' }),
    ],
  });
  setSeededWeights(net, 3);
  // The same net without the softmax gives the pre-softmax scores the method must differentiate.
  const logits = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'tanh' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 4 }),
    ],
  });
  logits.setWeights(net.getWeights());
  const x = tf.tensor(seeded(2 * 6 * 6 * 2, 5), [2, 6, 6, 2]);
  const { maps, targets } = await attribute(fromLayersModel(net), x, {
    method: vanillaGradient,
    target: { class: 2 },
    abs: false,
    reduce: 'none',
  });
  const grads = await maps.data();
  for (let i = 0; i < 2; i++) {
    const fd = finiteDifferences(logits, x, i, 2, 1e-2);
    const err = relativeError(grads.subarray(i * 72, (i + 1) * 72), fd);
    assert.ok(err < 1e-3, `sample ${i}: relative error ${err}`);
  }
  tf.dispose([maps, targets, x]);
  net.dispose();
  logits.dispose();
});

test('on a linear model the gradient is W[c] at every pixel, for every sample', async () => {
  const [h, w, c, k] = [4, 5, 3, 6];
  const W = tf.tensor(seeded(h * w * c * k, 9).map((v) => v - 0.5), [h * w * c, k]);
  const model = defineModel({
    inputShape: [h, w, c],
    predict: (x) => tf.matMul(x.reshape([x.shape[0], -1]), W),
  });
  const x = tf.tensor(seeded(2 * h * w * c, 2), [2, h, w, c]);
  const { maps, targets } = await attribute(model, x, {
    method: vanillaGradient,
    target: { class: 4 },
    abs: false,
    reduce: 'none',
  });
  const expected = W.slice([0, 4], [h * w * c, 1]).reshape([h, w, c]);
  for (let i = 0; i < 2; i++) {
    const got = maps.slice([i], [1]).reshape([h, w, c]);
    assert.ok(tf.max(tf.abs(got.sub(expected))).dataSync()[0] < 1e-6, `sample ${i}`);
  }
  tf.dispose([W, x, maps, targets, expected]);
});

test('picks the requested head of a three-output model, by name and by index', async () => {
  const input = tf.input({ shape: [4, 4, 1] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 3, name: 'logits' }).apply(flat) as tf.SymbolicTensor;
  const aux = tf.layers.dense({ units: 2, name: 'aux' }).apply(flat) as tf.SymbolicTensor;
  const probs = tf.layers.dense({ units: 3, activation: 'softmax', name: 'probs' }).apply(flat) as tf.SymbolicTensor;
  const net = tf.model({ inputs: input, outputs: [logits, aux, probs] });
  setSeededWeights(net, 21);
  const model = fromLayersModel(net);
  const x = tf.tensor(seeded(2 * 16, 4), [2, 4, 4, 1]);
  const kernel = (name: string) => net.getLayer(name).getWeights()[0];
  for (
    const [choice, layer, cls] of [['aux', 'aux', 1], [1, 'aux', 1], ['logits', 'logits', 2], [2, 'probs', 0]] as const
  ) {
    const { maps, targets } = await attribute(model, x, {
      method: vanillaGradient,
      output: choice,
      target: { class: cls },
      abs: false,
      reduce: 'none',
    });
    const expected = kernel(layer).slice([0, cls], [16, 1]).reshape([4, 4, 1]);
    const got = maps.slice([1], [1]).reshape([4, 4, 1]);
    assert.ok(tf.max(tf.abs(got.sub(expected))).dataSync()[0] < 1e-6, `head ${choice}`);
    tf.dispose([maps, targets, expected, got]);
  }
  assert.equal(model.outputs.map((o) => o.scores), ['pre-softmax', 'pre-softmax', 'pre-softmax']);
  assert.match(model.outputs[2].note ?? '', /softmax of layer 'probs' bypassed/);
  x.dispose();
  net.dispose();
});

test('channel reductions: max of |g| (the paper), sum, l2, none', () => {
  const map = tf.tensor([[[[1, -3, 2]], [[-0.5, 0.25, 0]]]]); // [1, 2, 1, 3]
  const read = (abs: boolean, reduce: 'max' | 'sum' | 'l2' | 'none') =>
    Array.from(applyConventions(map, { abs, reduce }).dataSync());
  assert.equal(read(true, 'max'), [3, 0.5]);
  assert.equal(read(false, 'sum'), [0, -0.25]);
  assert.equal(read(true, 'sum'), [6, 0.75]);
  const l2 = read(true, 'l2');
  assert.ok(Math.abs(l2[0] - Math.sqrt(14)) < 1e-6 && Math.abs(l2[1] - Math.sqrt(0.3125)) < 1e-6);
  assert.equal(read(true, 'none'), [1, 3, 2, 0.5, 0.25, 0]);
  map.dispose();
});

test('default conventions: |.| then max over channels, maps [N, H, W]', async () => {
  const net = smallConvNet();
  const x = tf.tensor(seeded(2 * 8 * 8 * 3, 1), [2, 8, 8, 3]);
  const model = fromLayersModel(net);
  const signed = await attribute(model, x, {
    method: vanillaGradient,
    target: 'predicted',
    abs: false,
    reduce: 'none',
  });
  const reduced = await attribute(model, x, { method: vanillaGradient, target: 'predicted' });
  assert.equal(reduced.maps.shape, [2, 8, 8]);
  assert.equal(reduced.conventions, { abs: true, reduce: 'max' });
  const expected = tf.max(tf.abs(signed.maps), 3);
  assert.ok(tf.max(tf.abs(expected.sub(reduced.maps))).dataSync()[0] === 0);
  tf.dispose([x, signed.maps, signed.targets, reduced.maps, reduced.targets, expected]);
  net.dispose();
});

test('leaves no tensor behind', async () => {
  const net = smallConvNet();
  const model = fromLayersModel(net);
  const x = tf.tensor(seeded(4 * 8 * 8 * 3, 1), [4, 8, 8, 3]);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    const r = await attribute(model, x, { method: vanillaGradient, target: 'predicted' });
    tf.dispose([r.maps, r.targets]);
  }
  assert.is(tf.memory().numTensors, before);
  x.dispose();
  net.dispose();
});

test.run();
