import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inputGradient } from '../../../core/attribution/scores.ts';
import { initBackend } from '../../../core/engine/backend.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { smoothgrad } from '../../../plugins/attributions/smoothgrad.ts';
import { smoothgradSquared } from '../../../plugins/attributions/smoothgrad-squared.ts';
import { vargrad } from '../../../plugins/attributions/vargrad.ts';
import { integratedGradients } from '../../../plugins/attributions/integrated-gradients.ts';
import { guidedBackprop } from '../../../plugins/attributions/guided-backprop.ts';
import { mixSeed } from '../../../core/attribution/random.ts';
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

/**
 * The noisy copies of `x` `[N, ...]` as the noise tunnel defines them: copy k of sample i is
 * x_i + e_ki * noise * (max(x_i) - min(x_i)), e_ki ~ N(0, 1) drawn from seed mixSeed(seed, k, i).
 */
function noisyCopy(x: tf.Tensor, seed: number, noise: number, k: number): tf.Tensor {
  return tf.tidy(() => {
    const n = x.shape[0];
    const shape = x.shape.slice(1);
    const rows = Array.from({ length: n }, (_, i) => {
      const xi = tf.slice(x, i, 1);
      const sigma = tf.mul(tf.sub(tf.max(xi), tf.min(xi)), noise);
      return tf.add(xi, tf.mul(tf.randomNormal([1, ...shape], 0, 1, 'float32', mixSeed(seed, k, i)), sigma));
    });
    return tf.concat(rows, 0);
  });
}

test('smoothgrad over integrated-gradients is the mean of IG over the seeded noisy copies', async () => {
  const model = smallCnn();
  const x = inputs(3, [8, 8, 2]);
  const targets = [0, 1, 2];
  const [seed, samples, noise, steps] = [11, 4, 0.2, 8];
  const expected = new Array(3 * 128).fill(0);
  for (let k = 0; k < samples; k++) {
    const copy = noisyCopy(x, seed, noise, k);
    const ig = await mapValues(integratedGradients, model, copy, targets, { steps });
    ig.forEach((v, i) => (expected[i] += v / samples));
    copy.dispose();
  }
  const base = { plugin: 'integrated-gradients', options: { steps } };
  for (const maxBatch of [1, 5, 64]) {
    const sg = await mapValues(smoothgrad, model, x, targets, { samples, noise, seed, base, maxBatch });
    assert.ok(maxDiff(sg, expected) < 1e-5, `maxBatch ${maxBatch}: ${maxDiff(sg, expected)}`);
  }
  const plainIg = await mapValues(integratedGradients, model, x, targets, { steps });
  assert.ok(maxDiff(plainIg, expected) > 1e-4, 'the noise changes the maps');
  x.dispose();
  model.dispose();
});

test('vargrad over guided-backprop is the variance of guided backprop over the noisy copies', async () => {
  const model = smallCnn();
  const x = inputs(2, [8, 8, 2]);
  const targets = [1, 2];
  const [seed, samples, noise] = [4, 5, 0.3];
  const maps: number[][] = [];
  for (let k = 0; k < samples; k++) {
    const copy = noisyCopy(x, seed, noise, k);
    maps.push(await mapValues(guidedBackprop, model, copy, targets));
    copy.dispose();
  }
  const mean = maps[0].map((_, i) => maps.reduce((a, m) => a + m[i], 0) / samples);
  const variance = mean.map((m, i) => Math.max(0, maps.reduce((a, v) => a + v[i] * v[i], 0) / samples - m * m));
  const vg = await mapValues(vargrad, model, x, targets, { samples, noise, seed, base: 'guided-backprop' });
  assert.ok(maxDiff(vg, variance) < 1e-5, `${maxDiff(vg, variance)}`);
  assert.ok(vg.some((v) => v > 1e-6));
  x.dispose();
  model.dispose();
});

test('a seeded base is re-seeded per noisy copy, so its maps do not depend on maxBatch', async () => {
  const model = smallCnn();
  const x = inputs(3, [8, 8, 2]);
  const base = { plugin: 'integrated-gradients', options: { steps: 3, baseline: 'uniform', seed: 2 } };
  const a = await mapValues(smoothgrad, model, x, [0, 1, 2], { samples: 3, seed: 1, base, maxBatch: 1 });
  const b = await mapValues(smoothgrad, model, x, [0, 1, 2], { samples: 3, seed: 1, base, maxBatch: 100 });
  assert.ok(maxDiff(a, b) < 1e-6);
  const c = await mapValues(smoothgrad, model, x, [0, 1, 2], {
    samples: 3,
    seed: 1,
    base: { ...base, options: { ...base.options, seed: 3 } },
  });
  assert.ok(maxDiff(a, c) > 1e-5, "the base's seed matters");
  x.dispose();
  model.dispose();
});

test.run();
