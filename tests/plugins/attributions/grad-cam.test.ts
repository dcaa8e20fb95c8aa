import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../../core/engine/backend.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { isUserError } from '../../../core/errors/errors.ts';
import { fromLayersModel } from '../../../core/models/layers.ts';
import { gradCam } from '../../../plugins/attributions/grad-cam.ts';
import { guidedBackprop } from '../../../plugins/attributions/guided-backprop.ts';
import { guidedGradCam } from '../../../plugins/attributions/guided-grad-cam.ts';
import { fixWeights, inputs, linearModel, mapValues, maxDiff } from './fixtures.ts';

const test = suite('grad-cam');
test.before(async () => {
  await initBackend();
});

/** Images `[8, 16, 3]` (wider than tall, to catch swapped axes); the score reads only the left half. */
function leftHalfModel() {
  const net = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 16, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      // Crop the right half away and pad it back with zeros: activations [4, 8, 4], right half 0.
      tf.layers.cropping2D({ cropping: [[0, 0], [0, 4]] }),
      tf.layers.zeroPadding2d({ padding: [[0, 0], [0, 4]], name: 'left_only' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3 }),
    ],
  });
  fixWeights(net);
  return fromLayersModel(net);
}

test('on a model whose score reads only the left half, over 90% of the mass is there', async () => {
  const model = leftHalfModel();
  const x = inputs(2, [8, 16, 3]);
  const map = await mapValues(gradCam, model, x, [0, 2]);
  for (let n = 0; n < 2; n++) {
    let left = 0;
    let total = 0;
    for (let j = 0; j < 8 * 16 * 3; j++) {
      const value = map[n * 384 + j];
      assert.ok(value >= 0);
      total += value;
      if (Math.floor(j / 3) % 16 < 8) left += value;
    }
    assert.ok(total > 0, 'the map is not empty');
    assert.ok(left / total > 0.9, `left share ${left / total}`);
  }
  x.dispose();
  model.dispose();
});

test('the map is repeated over input channels and depends on the target class', async () => {
  const model = leftHalfModel();
  const x = inputs(1, [8, 16, 3]);
  const a = await mapValues(gradCam, model, x, [0]);
  const b = await mapValues(gradCam, model, x, [1]);
  for (let j = 0; j < a.length; j += 3) assert.ok(a[j] === a[j + 1] && a[j] === a[j + 2]);
  assert.ok(maxDiff(a, b) > 1e-6);
  x.dispose();
  model.dispose();
});

test('guided Grad-CAM is guided backprop times the Grad-CAM map', async () => {
  const model = leftHalfModel();
  const x = inputs(2, [8, 16, 3]);
  const cam = await mapValues(gradCam, model, x, [1, 2], { layer: 'left_only' });
  const guided = await mapValues(guidedBackprop, model, x, [1, 2]);
  const product = await mapValues(guidedGradCam, model, x, [1, 2], { layer: 'left_only' });
  assert.ok(maxDiff(product, guided.map((g, i) => g * cam[i])) < 1e-6);
  assert.ok(product.some((v) => v !== 0));
  x.dispose();
  model.dispose();
});

test("models without layers get an error naming the need ('layer')", async () => {
  const { model } = linearModel([4, 4, 1], 2);
  const x = inputs(1, [4, 4, 1]);
  for (const method of [gradCam, guidedGradCam]) {
    try {
      await mapValues(method, model, x, [0]);
      assert.unreachable();
    } catch (error) {
      assert.ok(isUserError(error));
      assert.match((error as Error).message, /needs a model with named layers \('layer'\)/);
    }
  }
  x.dispose();
  model.dispose();
});

test.run();
