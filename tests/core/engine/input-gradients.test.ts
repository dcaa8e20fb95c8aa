import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inputGradient, selectTargetScores } from '../../../core/attribution/scores.ts';
import { initBackend } from '../../../core/engine/backend.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { fromGraphModel } from '../../../core/models/graph.ts';
import { fromLayersModel } from '../../../core/models/layers.ts';
import { fusedGraphModel } from './fused-graph.ts';

/** Kernels that compute a derivative with respect to a weight. */
const FILTER_GRADIENTS = ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter'];

const test = suite('input-gradients');
let previous = '';
test.before(async () => {
  await initBackend();
  previous = tf.getBackend();
  // The plain path and the split path must agree bit for bit; cpu kernels are deterministic.
  await tf.setBackend('cpu');
});
test.after(async () => {
  await tf.setBackend(previous);
});

/** Linear and ReLU convolutions (fused in tfjs-layers), a depthwise conv and a linear Dense. */
function convNet(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, padding: 'same' }));
  m.add(tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, activation: 'relu' }));
  m.add(tf.layers.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, padding: 'same' }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 5 }));
  return m;
}

const x = () => tf.randomNormal([3, 8, 8, 3], 0, 1, 'float32', 7);
const targets = () => tf.tensor1d([0, 3, 4], 'int32');

/** d(target score)/dx through tfjs's own fused gradients (no gradlens adapter). */
function plainGradient(run: (x: tf.Tensor) => tf.Tensor, input: tf.Tensor, t: tf.Tensor): tf.Tensor {
  return tf.grad((v: tf.Tensor) => tf.sum(selectTargetScores(run(v) as tf.Tensor2D, t)))(input);
}

/** Kernel names and output shapes of one call. */
async function profile(f: () => tf.Tensor): Promise<{ names: string[]; shapes: string[] }> {
  const info = await tf.profile(() => f());
  (info.result as tf.Tensor).dispose();
  return {
    names: info.kernelNames,
    // Identity is how a variable is read in the forward pass, not a gradient.
    shapes: info.kernels.filter((k) => k.name !== 'Identity').flatMap((k) =>
      k.outputShapes.map((s) => JSON.stringify(s))
    ),
  };
}

function weightShapes(shapes: number[][]): string[] {
  return shapes.filter((s) => s.length >= 2).map((s) => JSON.stringify(s));
}

test('the plain tfjs path does compute filter gradients (what this guards against)', async () => {
  const model = convNet();
  const [input, t] = [x(), targets()];
  const { names } = await profile(() => plainGradient((v) => model.apply(v) as tf.Tensor, input, t));
  assert.ok(names.includes('Conv2DBackpropFilter'), names.join(' '));
  const graph = fusedGraphModel();
  const fromGraph = await profile(() => plainGradient((v) => graph.execute(v, 'logits') as tf.Tensor, input, t));
  assert.ok(fromGraph.names.includes('Conv2DBackpropFilter'), fromGraph.names.join(' '));
  tf.dispose([input, t]);
  model.dispose();
  graph.dispose();
});

test('LayersModel: vanilla gradient runs no weight-gradient kernel and equals the plain path', async () => {
  const model = convNet();
  const loaded = fromLayersModel(model);
  const [input, t] = [x(), targets()];
  const { names, shapes } = await profile(() => inputGradient(loaded, input, t, loaded.outputs[0].name));
  for (const k of FILTER_GRADIENTS) assert.not.ok(names.includes(k), `${k} ran: ${names.join(' ')}`);
  const weights = weightShapes(model.weights.map((w) => w.shape as number[]));
  for (const s of weights) assert.not.ok(shapes.includes(s), `a kernel produced a weight-shaped ${s}: ${names}`);

  const split = inputGradient(loaded, input, t, loaded.outputs[0].name);
  const plain = plainGradient((v) => model.apply(v) as tf.Tensor, input, t);
  assert.equal(Array.from(split.dataSync()), Array.from(plain.dataSync()));
  // Outside a gradient tape the layers are untouched: the fused forward gives the same scores.
  const scores = loaded.forward(input)[loaded.outputs[0].name];
  const reference = model.predict(input) as tf.Tensor;
  assert.equal(Array.from(scores.dataSync()), Array.from(reference.dataSync()));
  assert.is((model.layers[0] as unknown as Record<string, unknown>).call, Object.getPrototypeOf(model.layers[0]).call);
  tf.dispose([input, t, split, plain, scores, reference]);
  model.dispose();
});

test("LayersModel: ReLU(maxValue 6) runs as one Relu6 under a tape, with the plain path's gradient", async () => {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, useBias: false }));
  m.add(tf.layers.batchNormalization({ epsilon: 1e-3 }));
  m.add(tf.layers.reLU({ maxValue: 6 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 5 }));
  const loaded = fromLayersModel(m);
  // Inputs large enough that some activations exceed 6.
  const input = tf.mul(x(), 8);
  const t = targets();
  const { names } = await profile(() => inputGradient(loaded, input, t, loaded.outputs[0].name));
  assert.ok(names.includes('Relu6'), names.join(' '));
  assert.not.ok(names.includes('ClipByValue'), names.join(' '));
  const ours = inputGradient(loaded, input, t, loaded.outputs[0].name);
  const plain = plainGradient((v) => m.apply(v) as tf.Tensor, input, t);
  const [a, b] = [ours.dataSync(), plain.dataSync()];
  const scale = Math.max(...b.map(Math.abs));
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-5 * scale, `[${i}] ${v} vs ${b[i]}`));
  tf.dispose([input, t, ours, plain]);
  m.dispose();
});

test('GraphModel: fused nodes differentiate only the input and match the plain path', async () => {
  const model = fusedGraphModel();
  const loaded = fromGraphModel(model as unknown as tf.GraphModel);
  const [input, t] = [x(), targets()];
  const { names, shapes } = await profile(() => inputGradient(loaded, input, t, 'logits'));
  for (const k of FILTER_GRADIENTS) assert.not.ok(names.includes(k), `${k} ran: ${names.join(' ')}`);
  for (const s of weightShapes([[3, 3, 3, 4], [3, 3, 4, 1], [64, 5]])) {
    assert.not.ok(shapes.includes(s), `a kernel produced a weight-shaped ${s}`);
  }
  const split = inputGradient(loaded, input, t, 'logits');
  const plain = plainGradient((v) => model.execute(v, 'logits') as tf.Tensor, input, t);
  assert.equal(Array.from(split.dataSync()), Array.from(plain.dataSync()));
  const forward = loaded.forward(input).logits;
  const reference = model.execute(input, 'logits') as tf.Tensor;
  assert.equal(Array.from(forward.dataSync()), Array.from(reference.dataSync()));
  tf.dispose([input, t, split, plain, forward, reference]);
  model.dispose();
});

test.run();
