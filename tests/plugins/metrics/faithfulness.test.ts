import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../../core/engine/backend.ts';
import { measure } from '../../../core/pipeline/measure.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { gradientXInput } from '../../../plugins/attributions/gradient-x-input.ts';
import { vanillaGradient } from '../../../plugins/attributions/vanilla-gradient.ts';
import { deletionAuc } from '../../../plugins/metrics/deletion-auc.ts';
import { insertionAuc } from '../../../plugins/metrics/insertion-auc.ts';
import { seeded } from '../../helpers/fixtures.ts';
import { fixedMap, linearModel, randomMap } from './helpers.ts';

const test = suite('metrics: faithfulness');
test.before(async () => {
  await initBackend();
});

const close = (a: number, b: number, tol = 1e-5) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

test('deletion and insertion by hand: f = 4a + 3b + 2c + d on x = 1, 4 steps, logits', async () => {
  const model = linearModel([4, 3, 2, 1], 2, 2);
  const x = tf.ones([1, 2, 2, 1]);
  const labels = tf.tensor1d([0], 'int32');
  const options = { steps: 4, scores: 'logit' };
  const right = fixedMap('right', [4, 3, 2, 1]);
  const wrong = fixedMap('wrong', [1, 2, 3, 4]);
  // Deleting the largest first: 10, 6, 3, 1, 0; area 0.25 * (8 + 4.5 + 2 + 0.5).
  const del = await measure(model, x, { method: right, labels, metric: deletionAuc, metricOptions: options });
  assert.ok(close(del.values[0], 3.75), `deletion ${del.values[0]}`);
  assert.equal(Array.from(del.curves[0].y), [10, 6, 3, 1, 0]);
  assert.equal(del.curves[0].x, [0, 0.25, 0.5, 0.75, 1]);
  // The reversed order: 10, 9, 7, 4, 0.
  const delWrong = await measure(model, x, { method: wrong, labels, metric: deletionAuc, metricOptions: options });
  assert.ok(close(delWrong.values[0], 6.25), `deletion (wrong order) ${delWrong.values[0]}`);
  // Inserting into zeros: 0, 4, 7, 9, 10.
  const ins = await measure(model, x, {
    method: right,
    labels,
    metric: insertionAuc,
    metricOptions: { ...options, baseline: 'zeros' },
  });
  assert.equal(Array.from(ins.curves[0].y), [0, 4, 7, 9, 10]);
  assert.ok(close(ins.values[0], 6.25), `insertion ${ins.values[0]}`);
  tf.dispose([x, labels]);
  model.dispose();
});

test('the exact attribution of a linear model (gradient x input) has the lowest deletion AUC, sample by sample', async () => {
  const d = 16;
  const w = Array.from(seeded(d, 3), (v) => v * 2 - 1);
  const model = linearModel(w, 4, 4);
  const x = tf.tensor(seeded(20 * d, 4), [20, 4, 4, 1]);
  const labels = tf.zeros([20], 'int32');
  const metricOptions = { steps: d, scores: 'logit' };
  const auc = async (method: Parameters<typeof measure>[2]['method'], extra: Record<string, unknown> = {}) =>
    (await measure(model, x, { method, labels, metric: deletionAuc, metricOptions, ...extra })).values;
  const exact = await auc(gradientXInput);
  const gradient = await auc(vanillaGradient, { abs: false });
  const random = await auc(randomMap, { options: { seed: 5 } });
  for (let i = 0; i < 20; i++) {
    assert.ok(exact[i] <= gradient[i] + 1e-5, `sample ${i}: exact ${exact[i]} > gradient ${gradient[i]}`);
    assert.ok(exact[i] <= random[i] + 1e-5, `sample ${i}: exact ${exact[i]} > random ${random[i]}`);
  }
  assert.ok(mean(exact) < mean(random) - 0.1, `exact ${mean(exact)} vs random ${mean(random)}`);
  tf.dispose([x, labels]);
  model.dispose();
});

test('random maps score at chance: on a linear model the deletion AUC averages f(x) / 2', async () => {
  // Deleting k of d features at random removes k/d of the logit on average: the expected curve is
  // the line from f(x) to 0, whose area is f(x) / 2.
  const d = 16;
  const model = linearModel(Array.from(seeded(d, 7), (v) => v + 0.5), 4, 4);
  const n = 400;
  const x = tf.tensor(seeded(n * d, 8), [n, 4, 4, 1]);
  const labels = tf.zeros([n], 'int32');
  const result = await measure(model, x, {
    method: randomMap,
    options: { seed: 9 },
    labels,
    metric: deletionAuc,
    metricOptions: { steps: d, scores: 'logit' },
  });
  const logits = Array.from(result.curves[0].y.filter((_, j) => j % (d + 1) === 0));
  const ratio = mean(Array.from(result.values, (v, i) => v / logits[i]));
  assert.ok(Math.abs(ratio - 0.5) < 0.02, `mean AUC / f(x) = ${ratio}`);
  tf.dispose([x, labels]);
  model.dispose();
});

test('a metric leaves no tensor behind', async () => {
  const model = linearModel([4, 3, 2, 1], 2, 2);
  const x = tf.ones([3, 2, 2, 1]);
  await measure(model, x, { method: gradientXInput, metric: insertionAuc, metricOptions: { steps: 4 } });
  const before = tf.memory().numTensors;
  await measure(model, x, { method: gradientXInput, metric: insertionAuc, metricOptions: { steps: 4 } });
  assert.is(tf.memory().numTensors, before);
  x.dispose();
  model.dispose();
});

function mean(values: ArrayLike<number>): number {
  return Array.from(values).reduce((a, b) => a + b, 0) / values.length;
}

test.run();
