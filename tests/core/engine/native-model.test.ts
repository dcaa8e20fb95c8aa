/**
 * A whole attribution on the native kernels: a MobileNet-like LayersModel (zero padding, strided
 * conv, batch norm, ReLU6, depthwise conv, max and average pooling, dense) differentiated by
 * vanilla-gradient and SmoothGrad runs every native-covered kernel natively (no fallback: a tfjs
 * change to kernel attributes would otherwise silently cost the speed), matches the cpu backend,
 * and leaves no tensor behind.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { attribute } from '../../../core/pipeline/attribute.ts';
import { initBackend } from '../../../core/engine/backend.ts';
import { loadNative } from '../../../core/engine/native/addon.ts';
import { nativeErrors, nativeFallbacks } from '../../../core/engine/native/kernels.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { fromLayersModel } from '../../../core/models/layers.ts';
import { builtinRegistry, seeded, setSeededWeights } from '../../helpers/fixtures.ts';
import { closeness } from './kernel-helpers.ts';

const test = suite('native-model');

function mobileNetLike(): tf.LayersModel {
  const input = tf.input({ shape: [16, 16, 3] });
  let x = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, useBias: false }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ maxValue: 6 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 12, kernelSize: 1, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.averagePooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 5 }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  setSeededWeights(model, 11);
  // Seeded weights lie in [-0.5, 0.5); a batch norm's moving variance must be positive.
  const norm = model.layers.find((l) => l.getClassName() === 'BatchNormalization')!;
  const [gamma, beta, mean, variance] = norm.getWeights();
  const positive = tf.tidy(() => tf.add(tf.abs(variance), 0.5));
  norm.setWeights([gamma, beta, mean, positive]);
  positive.dispose();
  return model;
}

/** One attribution on `backend`: its maps, the kernels that ran, and the fallback counts before it. */
async function maps(backend: 'wasm' | 'cpu', method: string, options: Record<string, unknown>) {
  await initBackend(backend);
  const model = mobileNetLike();
  const x = tf.tensor4d(seeded(4 * 16 * 16 * 3, 5), [4, 16, 16, 3]);
  const labels = tf.tensor1d([0, 1, 2, 3], 'int32');
  const before = { tensors: tf.memory().numTensors, fallbacks: { ...nativeFallbacks } };
  const profile = await tf.profile(async () => {
    const r = await attribute(fromLayersModel(model), x, { method, registry: builtinRegistry(), labels, options });
    const values = Array.from(await r.maps.data());
    tf.dispose([r.maps, r.targets, ...Object.values(r.perSample)]);
    return values;
  });
  const values = profile.result as number[];
  assert.is(tf.memory().numTensors, before.tensors, `${backend} ${method}: tensors left behind`);
  tf.dispose([x, labels]);
  model.dispose();
  return { values, kernels: new Set(profile.kernelNames), fallbacks: before.fallbacks };
}

const native = loadNative();
if (!native.addon) {
  test.skip(`native kernels not built (${native.reason})`, () => {});
} else {
  let previous = '';
  test.before(async () => {
    await initBackend();
    previous = tf.getBackend();
  });
  test.after(async () => {
    await tf.setBackend(previous);
  });

  for (const [method, options] of [['vanilla-gradient', {}], ['smoothgrad', { samples: 6, seed: 3 }]] as const) {
    test(`${method} runs natively end to end and matches the cpu backend`, async () => {
      const wasm = await maps('wasm', method, options);
      const fellBack = Object.entries(nativeFallbacks).filter(([k, n]) => n !== (wasm.fallbacks[k] ?? 0));
      assert.equal(fellBack, [], `fell back: ${JSON.stringify(fellBack)} ${JSON.stringify(nativeErrors)}`);
      for (const kernel of ['Conv2D', 'Conv2DBackpropInput', 'DepthwiseConv2dNative', 'PadV2', 'Slice']) {
        assert.ok(wasm.kernels.has(kernel), `${kernel} did not run (ran: ${[...wasm.kernels].join(', ')})`);
      }
      assert.ok(Math.max(...wasm.values) > 0, `${method}: all-zero maps`);
      const cpu = await maps('cpu', method, options);
      assert.ok(closeness(wasm.values, cpu.values) <= 1e-4, `${method}: ${closeness(wasm.values, cpu.values)}`);
    });
  }
}

test.run();
