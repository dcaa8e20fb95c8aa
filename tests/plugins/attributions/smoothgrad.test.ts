import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inputGradient } from '../../../core/attribution/scores.ts';
import { initBackend } from '../../../core/engine/backend.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { smoothgrad } from '../../../plugins/attributions/smoothgrad.ts';
import { smoothgradSquared } from '../../../plugins/attributions/smoothgrad-squared.ts';
import { vargrad } from '../../../plugins/attributions/vargrad.ts';
import { inputs, mapValues, maxDiff, read, release, run, smallCnn } from './fixtures.ts';

const test = suite('smoothgrad');
test.before(async () => {
  await initBackend();
});

test('with zero noise: smoothgrad is the gradient, squared its square, vargrad zero', async () => {
  const model = smallCnn();
  const x = inputs(3, [8, 8, 2]);
  const targets = [0, 1, 2];
  const t = tf.tensor1d(targets, 'int32');
  const g = read(inputGradient(model, x, t, model.outputs[0].name));
  const options = { samples: 4, noise: 0, maxBatch: 5 };
  const sg = await run(smoothgrad, model, x, targets, options);
  const sq = await run(smoothgradSquared, model, x, targets, options);
  const vg = await run(vargrad, model, x, targets, options);
  assert.ok(g.some((v) => v !== 0), 'the gradient is not trivially zero');
  assert.ok(maxDiff(read(sg.map), g) < 1e-5);
  assert.ok(maxDiff(read(sq.map), g.map((v) => v * v)) < 1e-5);
  assert.ok(maxDiff(read(vg.map), g.map(() => 0)) < 1e-6);
  [sg, sq, vg].forEach(release);
  tf.dispose([x, t]);
  model.dispose();
});

test('a seed fixes the noise, whatever maxBatch; another seed changes it', async () => {
  const model = smallCnn();
  const x = inputs(3, [8, 8, 2]);
  const a = await run(smoothgrad, model, x, [0, 1, 2], { samples: 5, seed: 7, maxBatch: 2 });
  const b = await run(smoothgrad, model, x, [0, 1, 2], { samples: 5, seed: 7, maxBatch: 64 });
  const c = await run(smoothgrad, model, x, [0, 1, 2], { samples: 5, seed: 8, maxBatch: 64 });
  assert.ok(maxDiff(read(a.map), read(b.map)) < 1e-5);
  assert.ok(maxDiff(read(a.map), read(c.map)) > 1e-4);
  [a, b, c].forEach(release);
  x.dispose();
  model.dispose();
});

test('vargrad is the variance: mean-square minus squared mean, non-negative', async () => {
  const model = smallCnn();
  const x = inputs(2, [8, 8, 2]);
  const options = { samples: 6, seed: 3, noise: 0.3 };
  const sg = await mapValues(smoothgrad, model, x, [2, 0], options);
  const sq = await mapValues(smoothgradSquared, model, x, [2, 0], options);
  const vg = await mapValues(vargrad, model, x, [2, 0], options);
  assert.ok(vg.every((v) => v >= 0));
  assert.ok(maxDiff(vg, sq.map((s, i) => Math.max(0, s - sg[i] * sg[i]))) < 1e-5);
  assert.ok(vg.some((v) => v > 1e-6), 'noise makes gradients vary');
  x.dispose();
  model.dispose();
});

test.run();
