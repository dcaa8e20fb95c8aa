import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { targetScores } from '../../../core/attribution/scores.ts';
import { initBackend } from '../../../core/engine/backend.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { encodeNpy } from '../../../core/io/npy.ts';
import { defineModel } from '../../../core/models/define.ts';
import { integratedGradients } from '../../../plugins/attributions/integrated-gradients.ts';
import { inputs, linearModel, maxDiff, read, release, run, smallCnn, trainedCnn } from './fixtures.ts';

const test = suite('integrated-gradients');
test.before(async () => {
  await initBackend();
});

test('completeness gap under 1% of |f(x) - f(baseline)| at 64 trapezoid steps on a trained CNN', async () => {
  const trained = await trainedCnn();
  const { model, labels } = trained;
  const x = tf.slice(trained.x, 0, 6);
  const targets = labels.slice(0, 6);
  const out = await run(integratedGradients, model, x, targets, { steps: 64, rule: 'trapezoid', maxBatch: 40 });
  const t = tf.tensor1d(targets, 'int32');
  const name = model.outputs[0].name;
  const change = read(
    tf.tidy(() => tf.sub(targetScores(model, x, t, name), targetScores(model, tf.zerosLike(x), t, name))),
  );
  const gap = read(out.perSample!.completenessGap);
  const sums = read(tf.tidy(() => tf.sum(tf.reshape(out.map, [6, -1]), 1)));
  change.forEach((c, i) => {
    assert.ok(Math.abs(c) > 1, 'the score changes along the path');
    assert.ok(Math.abs(sums[i] - c - gap[i]) < 1e-3, 'the gap is sum(map) - (f(x) - f(baseline))');
    assert.ok(Math.abs(gap[i]) < 0.01 * Math.abs(c), `gap ${gap[i]} vs change ${c}`);
  });
  const coarse = await run(integratedGradients, model, x, targets, { steps: 8, rule: 'trapezoid' });
  assert.ok(read(coarse.perSample!.relativeGap).some((g) => Math.abs(g) > 0.01), 'coarse steps do leave a gap');
  release(out);
  release(coarse);
  tf.dispose([x, t, trained.x]);
  model.dispose();
});

test("exact on a linear model at any step count and rule: (x - x') * W[c]", async () => {
  const { model, w } = linearModel([2, 3, 1], 2);
  const x = inputs(2, [2, 3, 1]);
  const xs = read(x);
  for (const [rule, steps] of [['left', 1], ['right', 1], ['middle', 2], ['trapezoid', 2], ['gauss-legendre', 1]]) {
    const out = await run(integratedGradients, model, x, [1, 0], { rule, steps, baseline: 0.25 });
    const expected = xs.map((v, j) => (v - 0.25) * w[(j % 6) * 2 + (j < 6 ? 1 : 0)]);
    assert.ok(maxDiff(read(out.map), expected) < 1e-5, `rule ${rule}`);
    assert.ok(read(out.perSample!.completenessGap).every((g) => Math.abs(g) < 1e-5), `rule ${rule}`);
    release(out);
  }
  x.dispose();
  model.dispose();
});

test('gauss-legendre beats the trapezoid rule at equal steps on a smooth model', async () => {
  const w = tf.tensor2d(Array.from({ length: 8 }, (_, i) => (i % 3) - 0.7), [4, 2]);
  const model = defineModel({ inputShape: [4], predict: (x) => tf.sin(tf.matMul(tf.mul(x, 3), w)) });
  const x = tf.tensor2d([[0.9, 0.2, 0.5, 0.7]]);
  const gap = async (rule: string) => {
    const out = await run(integratedGradients, model, x, [0], { rule, steps: 4 });
    const g = Math.abs(read(out.perSample!.completenessGap)[0]);
    release(out);
    return g;
  };
  const trapezoid = await gap('trapezoid');
  const gauss = await gap('gauss-legendre');
  assert.ok(trapezoid > 1e-3, 'the trapezoid rule has an error here');
  assert.ok(gauss < trapezoid / 10, `gauss ${gauss} vs trapezoid ${trapezoid}`);
  tf.dispose([x, w]);
});

test('baselines: a .npy file equals the same constant; blur and seeded uniform are deterministic', async () => {
  const { model } = linearModel([4, 4, 1], 2);
  const x = inputs(2, [4, 4, 1]);
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-ig-'));
  try {
    const path = join(dir, 'base.npy');
    writeFileSync(path, encodeNpy(new Float32Array(16).fill(0.3), [4, 4, 1]));
    const fromFile = await run(integratedGradients, model, x, [0, 1], { baseline: path, steps: 2 });
    const constant = await run(integratedGradients, model, x, [0, 1], { baseline: 0.3, steps: 2 });
    assert.ok(maxDiff(read(fromFile.map), read(constant.map)) < 1e-6);
    const u1 = await run(integratedGradients, model, x, [0, 1], { baseline: 'uniform', seed: 4, steps: 2 });
    const u2 = await run(integratedGradients, model, x, [0, 1], { baseline: 'uniform', seed: 4, steps: 2 });
    const blur = await run(integratedGradients, model, x, [0, 1], { baseline: 'blur', blurSigma: 1, steps: 2 });
    assert.ok(maxDiff(read(u1.map), read(u2.map)) === 0);
    assert.ok(maxDiff(read(u1.map), read(constant.map)) > 1e-3);
    assert.ok(read(blur.perSample!.completenessGap).every((g) => Math.abs(g) < 1e-5));
    [fromFile, constant, u1, u2, blur].forEach(release);
    writeFileSync(path, encodeNpy(new Float32Array(9), [3, 3]));
    try {
      await run(integratedGradients, model, x, [0, 1], { baseline: path });
      assert.unreachable();
    } catch (error) {
      assert.match((error as Error).message, /expected one sample's shape \(4, 4, 1\)/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    x.dispose();
    model.dispose();
  }
});

test('peak tensor memory does not grow with steps when maxBatch is fixed', async () => {
  const model = smallCnn();
  const x = inputs(4, [8, 8, 2]);
  const peak = async (steps: number) => {
    const profile = await tf.profile(async () => {
      release(await run(integratedGradients, model, x, [0, 1, 2, 0], { steps, maxBatch: 8 }));
    });
    return profile.peakBytes;
  };
  const small = await peak(8);
  const large = await peak(128);
  assert.ok(large <= small * 1.1, `peak ${large} bytes at 128 steps vs ${small} at 8`);
  const unbounded = await tf.profile(async () => {
    release(await run(integratedGradients, model, x, [0, 1, 2, 0], { steps: 128, maxBatch: 512 }));
  });
  assert.ok(unbounded.peakBytes > 4 * large, 'the bound is what keeps the peak down');
  x.dispose();
  model.dispose();
});

test.run();
