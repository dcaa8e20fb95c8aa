import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../../core/engine/backend.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { defineModel } from '../../../core/models/define.ts';
import { rise } from '../../../plugins/attributions/rise.ts';
import { mapValues, maxDiff } from './fixtures.ts';

const test = suite('rise');
test.before(async () => {
  await initBackend();
});

/** Two classes on `[10, 12, 1]` images; class 0's logit is 4 * (pixel (row 6, column 3)). */
function onePixelModel() {
  return defineModel({
    inputShape: [10, 12, 1],
    predict: (x) =>
      tf.tidy(() => {
        const pixel = tf.reshape(tf.slice(x, [0, 6, 3, 0], [-1, 1, 1, 1]), [-1, 1]);
        return tf.concat([tf.mul(pixel, 4), tf.zerosLike(pixel)], 1);
      }),
  });
}

test('with many masks ranks the one pixel the model reads first', async () => {
  const model = onePixelModel();
  const x = tf.ones([1, 10, 12, 1]);
  const map = await mapValues(rise, model, x, [0], { masks: 1000, cell: 6, seed: 1 });
  const best = map.indexOf(Math.max(...map));
  assert.equal([Math.floor(best / 12), best % 12], [6, 3]);
  x.dispose();
});

test('a seed fixes the masks, whatever maxBatch; another seed changes them', async () => {
  const model = onePixelModel();
  const x = tf.ones([2, 10, 12, 1]);
  const a = await mapValues(rise, model, x, [0, 1], { masks: 40, seed: 5, maxBatch: 7 });
  const b = await mapValues(rise, model, x, [0, 1], { masks: 40, seed: 5, maxBatch: 200 });
  const c = await mapValues(rise, model, x, [0, 1], { masks: 40, seed: 6 });
  assert.ok(maxDiff(a, b) < 1e-5);
  assert.ok(maxDiff(a, c) > 1e-3);
  x.dispose();
});

test('normalised by the expected mask: a model that ignores its input gives a flat map of f', async () => {
  const model = defineModel({ inputShape: [6, 6, 1], predict: (x) => tf.zeros([x.shape[0], 2]) });
  const x = tf.ones([1, 6, 6, 1]);
  const map = await mapValues(rise, model, x, [0], { masks: 2000, cell: 3, keep: 0.3, seed: 2 });
  const mean = map.reduce((s, v) => s + v, 0) / map.length;
  // f = softmax 0.5 everywhere; E[M] = keep, so the saliency is about 0.5 at every pixel.
  assert.ok(Math.abs(mean - 0.5) < 0.03, `mean ${mean}`);
  x.dispose();
});

test.run();
