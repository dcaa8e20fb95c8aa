import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../../core/engine/backend.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { gradientXInput } from '../../../plugins/attributions/gradient-x-input.ts';
import { inputs, linearModel, maxDiff, read, release, run } from './fixtures.ts';

const test = suite('gradient-x-input');
test.before(async () => {
  await initBackend();
});

test('on a linear model equals W[c] * x, with its sign', async () => {
  const { model, w } = linearModel([3, 2, 2], 4);
  const x = tf.tidy(() => tf.sub(inputs(2, [3, 2, 2]), 0.5));
  const targets = [1, 3];
  const out = await run(gradientXInput, model, x, targets);
  const xs = read(x);
  const expected = xs.map((v, j) => {
    const i = Math.floor(j / 12);
    return w[(j % 12) * 4 + targets[i]] * v;
  });
  assert.equal(out.map.shape, [2, 3, 2, 2]);
  assert.ok(maxDiff(read(out.map), expected) < 1e-6);
  assert.ok(read(out.map).some((v) => v < 0), 'signed');
  release(out);
  x.dispose();
  model.dispose();
});

test.run();
