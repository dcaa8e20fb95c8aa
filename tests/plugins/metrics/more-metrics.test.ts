import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../../core/engine/backend.ts';
import { measure, type MeasureOptions } from '../../../core/pipeline/measure.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { gradientXInput } from '../../../plugins/attributions/gradient-x-input.ts';
import { vanillaGradient } from '../../../plugins/attributions/vanilla-gradient.ts';
import { complexity } from '../../../plugins/metrics/complexity.ts';
import { faithfulnessCorrelation } from '../../../plugins/metrics/faithfulness-correlation.ts';
import { infidelity } from '../../../plugins/metrics/infidelity.ts';
import { pixelFlipping } from '../../../plugins/metrics/pixel-flipping.ts';
import { pointingGame } from '../../../plugins/metrics/pointing-game.ts';
import { regionPerturbation } from '../../../plugins/metrics/region-perturbation.ts';
import { relevanceMass } from '../../../plugins/metrics/relevance-mass.ts';
import { relevanceRank } from '../../../plugins/metrics/relevance-rank.ts';
import { avgSensitivity, maxSensitivity } from '../../../plugins/metrics/sensitivity.ts';
import { sparseness } from '../../../plugins/metrics/sparseness.ts';
import { seeded } from '../../helpers/fixtures.ts';
import { fixedMap, linearModel, randomMap } from './helpers.ts';

const test = suite('metrics: by hand and by property');
test.before(async () => {
  await initBackend();
});

const near = (a: number, b: number, tol = 1e-5) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

/** Values of a metric on a 2 x 2 linear model f = 4a + 3b + 2c + d at x = 1. */
async function onLinear(options: Omit<MeasureOptions, 'labels'>, extra?: Record<string, tf.Tensor>) {
  const model = linearModel([4, 3, 2, 1], 2, 2);
  const x = tf.ones([1, 2, 2, 1]);
  const labels = tf.tensor1d([0], 'int32');
  try {
    return await measure(model, x, { labels, extra, ...options });
  } finally {
    tf.dispose([x, labels]);
    model.dispose();
  }
}

test('pixel flipping: AOPC of the curve 10, 6, 3, 1, 0 is (0 + 4 + 7 + 9 + 10) / 5', async () => {
  const r = await onLinear({
    method: fixedMap('right', [4, 3, 2, 1]),
    metric: pixelFlipping,
    metricOptions: { steps: 4 },
  });
  assert.equal(Array.from(r.curves[0].y), [10, 6, 3, 1, 0]);
  assert.ok(near(r.values[0], 6), String(r.values[0]));
});

test('region perturbation: 2 x 2 regions of a 4 x 4 linear model are removed by summed relevance', async () => {
  // Pixel weights: region sums 1 (top left), 2, 3, 4 (bottom right); x = 1, zeros baseline.
  const w = [0.25, 0.25, 0.5, 0.5, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1, 1, 0.75, 0.75, 1, 1];
  const model = linearModel(w, 4, 4);
  const x = tf.ones([1, 4, 4, 1]);
  const labels = tf.tensor1d([0], 'int32');
  const r = await measure(model, x, {
    method: gradientXInput,
    labels,
    metric: regionPerturbation,
    metricOptions: { region: 2, baseline: 'zeros' },
  });
  // All four regions go, the largest first: 10, 6, 3, 1, 0.
  assert.equal(Array.from(r.curves[0].y), [10, 6, 3, 1, 0]);
  assert.ok(near(r.values[0], 6));
  tf.dispose([x, labels]);
  model.dispose();
});

test('faithfulness correlation: 1 for the exact attribution of a linear model, near 0 for random maps', async () => {
  const d = 16;
  const model = linearModel(Array.from(seeded(d, 21), (v) => v * 2 - 1), 4, 4);
  const n = 8;
  const x = tf.tensor(seeded(n * d, 22), [n, 4, 4, 1]);
  const labels = tf.zeros([n], 'int32');
  const exact = await measure(model, x, {
    method: gradientXInput,
    labels,
    metric: faithfulnessCorrelation,
    metricOptions: { fraction: 0.25, seed: 3 },
  });
  for (const v of exact.values) assert.ok(near(v, 1, 1e-4), `exact: ${v}`);
  const random = await measure(model, x, {
    method: randomMap,
    options: { seed: 4 },
    labels,
    metric: faithfulnessCorrelation,
    metricOptions: { fraction: 0.25, seed: 3 },
  });
  const mean = Array.from(random.values).reduce((a, b) => a + b, 0) / n;
  assert.ok(Math.abs(mean) < 0.15, `random maps: mean correlation ${mean}`);
  tf.dispose([x, labels]);
  model.dispose();
});

test('infidelity: 0 for the gradient of a linear model (f(x) - f(x - I) = w . I exactly), more for others', async () => {
  const d = 16;
  const model = linearModel(Array.from(seeded(d, 31), (v) => v * 2 - 1), 4, 4);
  const x = tf.tensor(seeded(4 * d, 32), [4, 4, 4, 1]);
  const labels = tf.zeros([4], 'int32');
  const options = { normalise: false, seed: 5 };
  const exact = await measure(model, x, {
    method: vanillaGradient,
    abs: false,
    reduce: 'sum',
    labels,
    metric: infidelity,
    metricOptions: options,
  });
  for (const v of exact.values) assert.ok(v < 1e-9, `gradient: ${v}`);
  const other = await measure(model, x, { method: gradientXInput, labels, metric: infidelity, metricOptions: options });
  for (const v of other.values) assert.ok(v > 1e-4, `gradient x input: ${v}`);
  tf.dispose([x, labels]);
  model.dispose();
});

test('sensitivity: the gradient of a linear model does not move (0); gradient x input does; max >= avg', async () => {
  const d = 16;
  const model = linearModel(Array.from(seeded(d, 41), (v) => v * 2 - 1), 4, 4);
  const x = tf.tensor(seeded(3 * d, 42), [3, 4, 4, 1]);
  const labels = tf.zeros([3], 'int32');
  const common = { labels, metricOptions: { seed: 1, samples: 6, maxBatch: 4 } };
  const still = await measure(model, x, { ...common, method: vanillaGradient, abs: false, metric: maxSensitivity });
  for (const v of still.values) assert.ok(v < 1e-6, `gradient: ${v}`);
  const max = await measure(model, x, { ...common, method: gradientXInput, metric: maxSensitivity });
  const avg = await measure(model, x, { ...common, method: gradientXInput, metric: avgSensitivity });
  for (let i = 0; i < 3; i++) {
    assert.ok(avg.values[i] > 0.01, `avg ${avg.values[i]}`);
    assert.ok(max.values[i] >= avg.values[i] - 1e-7, `max ${max.values[i]} < avg ${avg.values[i]}`);
  }
  // Radius 0.2 moves x by at most 0.2: |w (x + d) - w x| / |w x| is at most 0.2 |w| / |w x| per sample.
  const xs = await x.data();
  const w = Array.from(seeded(d, 41), (v) => v * 2 - 1);
  for (let i = 0; i < 3; i++) {
    let num = 0;
    let den = 0;
    for (let j = 0; j < d; j++) {
      num += (0.2 * w[j]) ** 2;
      den += (w[j] * xs[i * d + j]) ** 2;
    }
    assert.ok(max.values[i] <= Math.sqrt(num / den) + 1e-6, `max ${max.values[i]} above its bound`);
  }
  tf.dispose([x, labels]);
  model.dispose();
});

test('localisation by hand: relevance mass 7/10, rank accuracy, pointing game with tolerance', async () => {
  const map = fixedMap('map', [4, 3, 2, 1]);
  const masks = tf.tensor([[[1, 1], [0, 0]]], [1, 2, 2]);
  const away = tf.tensor([[[0, 0], [1, 1]]], [1, 2, 2]);
  const beside = tf.tensor([[[0, 1], [0, 0]]], [1, 2, 2]);
  const mass = await onLinear({ method: map, metric: relevanceMass }, { mask: masks });
  assert.ok(near(mass.values[0], 0.7));
  const massAway = await onLinear({ method: map, metric: relevanceMass }, { mask: away });
  assert.ok(near(massAway.values[0], 0.3));
  assert.is((await onLinear({ method: map, metric: relevanceRank }, { mask: masks })).values[0], 1);
  assert.is((await onLinear({ method: map, metric: relevanceRank }, { mask: away })).values[0], 0);
  assert.is((await onLinear({ method: map, metric: pointingGame }, { mask: masks })).values[0], 1);
  assert.is((await onLinear({ method: map, metric: pointingGame }, { mask: beside })).values[0], 0);
  const tolerant = await onLinear({ method: map, metric: pointingGame, metricOptions: { tolerance: 1 } }, {
    mask: beside,
  });
  assert.is(tolerant.values[0], 1);
  const named = await onLinear({ method: map, metric: relevanceMass, metricOptions: { mask: 'object' } }, {
    object: away,
  });
  assert.ok(near(named.values[0], 0.3));
  try {
    await onLinear({ method: map, metric: relevanceMass }, { other: masks });
    assert.unreachable('a missing mask is refused');
  } catch (error) {
    assert.match((error as Error).message, /extra array 'mask'; the dataset has 'other'/);
  }
  tf.dispose([masks, away, beside]);
});

test('complexity by hand: Gini 3/4 and entropy 0 for one feature; 0 and ln 4 for a flat map', async () => {
  const one = fixedMap('one', [1, 0, 0, 0]);
  const flat = fixedMap('flat', [2, 2, 2, 2]);
  assert.ok(near((await onLinear({ method: one, metric: sparseness })).values[0], 0.75));
  assert.ok(near((await onLinear({ method: flat, metric: sparseness })).values[0], 0));
  assert.ok(near((await onLinear({ method: one, metric: complexity })).values[0], 0));
  assert.ok(near((await onLinear({ method: flat, metric: complexity })).values[0], Math.log(4)));
  const normalised = await onLinear({ method: flat, metric: complexity, metricOptions: { normalise: true } });
  assert.ok(near(normalised.values[0], 1));
});

test.run();
