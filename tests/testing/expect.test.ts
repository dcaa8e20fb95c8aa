import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../core/engine/backend.ts';
import { tf } from '../../core/tensor/tf.ts';
import { isUserError } from '../../core/errors/errors.ts';
import { defineModel } from '../../core/models/define.ts';
import { Registry } from '../../core/plugins/registry.ts';
import { AttributionAssertionError, expectAttribution } from '../../core/testing/index.ts';
import { vanillaGradient } from '../../plugins/attributions/vanilla-gradient.ts';

const test = suite('testing: expectAttribution');
const dir = mkdtempSync(join(tmpdir(), 'gradlens-expect-'));
const quadrant = { top: 0, left: 0, height: 2, width: 2 };

/**
 * A linear model on 4x4 inputs whose vanilla gradient is known exactly: class 0's weights are 1
 * on the top-left 2x2 quadrant and 0.1 elsewhere, so its map's mass there is 4 / 5.2; class 1's
 * are the mirror image. `scale()` multiplies the scores (a random factor makes maps vary).
 */
function linearModel(scale: () => number = () => 1, zero = false) {
  const w0 = Array.from({ length: 16 }, (_, p) => (zero ? 0 : (p % 4 < 2 && p < 8 ? 1 : 0.1)));
  const w1 = [...w0].reverse();
  const weights = tf.tensor2d([...w0, ...w1], [2, 16]).transpose();
  return defineModel({
    inputShape: [4, 4, 1],
    predict: (x) => tf.mul(tf.matMul(tf.reshape(x, [x.shape[0], 16]), weights), scale()),
    dispose: () => weights.dispose(),
  });
}

const EXPECTED = 4 / 5.2;

function batchOf(n: number, label = 0) {
  return {
    x: tf.randomUniform([n, 4, 4, 1], 0, 1, 'float32', 7),
    y: tf.fill([n], label, 'int32'),
    ids: Array.from({ length: n }, (_, i) => `s${i}`),
  };
}

test.before(async () => {
  await initBackend();
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('massIn measures the share of |gradient| inside a rectangle, and passes within the bound', async () => {
  const model = linearModel();
  const batch = batchOf(3);
  const report = await expectAttribution(model, batch, { method: vanillaGradient }).massIn(quadrant).atLeast(0.7);
  assert.equal(report.values.length, 3);
  for (const v of report.values) assert.ok(Math.abs(v - EXPECTED) < 1e-5, `got ${v}`);
  tf.dispose([batch.x, batch.y]);
  model.dispose();
});

test('a failing bound throws an AssertionError-like error naming samples, values and bound, and writes a PNG', async () => {
  const model = linearModel();
  const batch = batchOf(2);
  try {
    await expectAttribution(model, batch, { method: vanillaGradient, artifactsDir: dir, name: 'linear' })
      .massIn(quadrant).atMost(0.5);
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.instance(error, AttributionAssertionError);
    const e = error as AttributionAssertionError;
    assert.is(e.code, 'ERR_ASSERTION');
    assert.match(e.message, /2 of 2 samples fail/);
    assert.match(e.message, /sample 1 \(id s1, target 0\): 0\.769, expected <= 0\.5/);
    assert.equal(e.failures.map((f) => f.id), ['s0', 's1']);
    assert.ok(e.artifact && existsSync(e.artifact), 'PNG written');
    assert.equal([...readFileSync(e.artifact!).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.ok(e.artifact!.startsWith(dir));
  }
  tf.dispose([batch.x, batch.y]);
  model.dispose();
});

test('by default the PNG goes to __attribution__/ beside the calling test file', async () => {
  const model = linearModel();
  const batch = batchOf(1);
  const here = join(fileURLToPath(new URL('.', import.meta.url)), '__attribution__');
  const saved = process.env.GRADLENS_ARTIFACTS_DIR;
  delete process.env.GRADLENS_ARTIFACTS_DIR;
  try {
    await expectAttribution(model, batch, { method: vanillaGradient, name: 'default-dir' }).massIn(quadrant).atMost(
      0.1,
    );
    assert.unreachable();
  } catch (error) {
    assert.is((error as AttributionAssertionError).artifact, join(here, 'expect.test.default-dir.mass-in.png'));
    assert.ok(existsSync(join(here, 'expect.test.default-dir.mass-in.png')));
  } finally {
    if (saved !== undefined) process.env.GRADLENS_ARTIFACTS_DIR = saved;
    rmSync(here, { recursive: true, force: true });
  }
  tf.dispose([batch.x, batch.y]);
  model.dispose();
});

test('massOutside is the complement; onAverage checks the mean', async () => {
  const model = linearModel();
  const batch = batchOf(2);
  const expectation = expectAttribution(model, batch, { method: vanillaGradient, artifactsDir: false });
  const outside = await expectation.massOutside(quadrant).between(0.2, 0.25);
  assert.ok(Math.abs(outside.values[0] - (1 - EXPECTED)) < 1e-5);
  const mean = await expectation.massIn(quadrant).onAverage().atLeast(0.75);
  assert.ok(Math.abs(mean.mean - EXPECTED) < 1e-5);
  try {
    await expectation.massIn(quadrant).onAverage().atLeast(0.8);
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, /mean share .* is 0\.769, expected >= 0\.8/);
  }
  tf.dispose([batch.x, batch.y]);
  model.dispose();
});

test('masks as [H, W] arrays, [N, H, W] arrays, tensors and per-sample rectangles agree', async () => {
  const model = linearModel();
  const batch = batchOf(2);
  // Sample 1 targets class 1, whose heavy quadrant is the bottom-right one.
  const y = tf.tensor1d([0, 1], 'int32');
  const b = { ...batch, y };
  const grid = (top: number, left: number) =>
    Array.from(
      { length: 4 },
      (_, r) => Array.from({ length: 4 }, (_, c) => r >= top && r < top + 2 && c >= left && c < left + 2),
    );
  const masks = [
    [grid(0, 0), grid(2, 2)],
    tf.tensor3d([grid(0, 0), grid(2, 2)].flat(2).map(Number), [2, 4, 4]),
    [quadrant, { top: 2, left: 2, height: 2, width: 2 }],
  ];
  const expectation = expectAttribution(model, b, { method: vanillaGradient, artifactsDir: false });
  for (const mask of masks) {
    const report = await expectation.massIn(mask).atLeast(0.76);
    for (const v of report.values) assert.ok(Math.abs(v - EXPECTED) < 1e-5);
  }
  // One [H, W] mask for both: sample 1 has only 0.4 / 5.2 of its mass in the top-left quadrant.
  const shared = await expectation.massIn(grid(0, 0)).between(0, 1);
  assert.ok(Math.abs(shared.values[1] - 0.4 / 5.2) < 1e-5);
  try {
    await expectation.massIn([[true, false]]).atMost(1);
    assert.unreachable();
  } catch (error) {
    assert.ok(isUserError(error));
    assert.match((error as Error).message, /does not fit maps \[2,4,4\]/);
  }
  tf.dispose([batch.x, batch.y, y, masks[1] as tf.Tensor]);
  model.dispose();
});

test('topKWithin counts the largest positions inside the region', async () => {
  const model = linearModel();
  const batch = batchOf(1);
  const expectation = expectAttribution(model, batch, { method: vanillaGradient, artifactsDir: false });
  await expectation.topKWithin(quadrant, 4);
  await expectation.topKWithin(quadrant, 8, { fraction: 0.5 });
  try {
    await expectation.topKWithin(quadrant, 5);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, AttributionAssertionError);
    assert.match((error as Error).message, /top 5 positions [^]*: 0\.800, expected >= 1/);
  }
  tf.dispose([batch.x, batch.y]);
  model.dispose();
});

test('an all-zero map fails any mass bound instead of passing vacuously', async () => {
  const model = linearModel(() => 1, true);
  const batch = batchOf(1);
  try {
    await expectAttribution(model, batch, { method: vanillaGradient, artifactsDir: false }).massIn(quadrant).atMost(1);
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, /: NaN, expected <= 1/);
  }
  tf.dispose([batch.x, batch.y]);
  model.dispose();
});

test('toMatchGolden: missing file advises the update flag; written with it; then compared with a tolerance', async () => {
  const golden = join(dir, 'linear.golden.npy');
  const batch = batchOf(2);
  const model = linearModel();
  const check = (m: unknown, tolerance?: number) =>
    expectAttribution(m, batch, { method: vanillaGradient, artifactsDir: false }).toMatchGolden(golden, { tolerance });
  try {
    await check(model);
    assert.unreachable();
  } catch (error) {
    assert.ok(isUserError(error));
    assert.match((error as Error).message, /GRADLENS_UPDATE_GOLDEN=1/);
  }
  process.env.GRADLENS_UPDATE_GOLDEN = '1';
  try {
    assert.ok((await check(model)).updated);
  } finally {
    delete process.env.GRADLENS_UPDATE_GOLDEN;
  }
  assert.ok(existsSync(golden));
  await check(model);
  // Scores 1% larger scale the gradient by 1%: outside 1e-4, inside 2e-2.
  const scaled = linearModel(() => 1.01);
  await check(scaled, 2e-2);
  try {
    await check(scaled);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, AttributionAssertionError);
    assert.match((error as Error).message, /largest difference from [^]*: 0\.010, expected <= 0\.0001/);
  }
  tf.dispose([batch.x, batch.y]);
  model.dispose();
  scaled.dispose();
});

test('deterministic passes for a fixed model and fails when maps change between calls', async () => {
  const batch = batchOf(2);
  const fixed = linearModel();
  await expectAttribution(fixed, batch, { method: vanillaGradient, artifactsDir: false }).deterministic();
  let calls = 0;
  const drifting = linearModel(() => 1 + 0.1 * calls++);
  try {
    await expectAttribution(drifting, batch, { method: vanillaGradient, artifactsDir: false }).deterministic();
    assert.unreachable();
  } catch (error) {
    assert.instance(error, AttributionAssertionError);
    assert.match((error as Error).message, /difference between two computations/);
  }
  tf.dispose([batch.x, batch.y]);
  fixed.dispose();
  drifting.dispose();
});

test('a method by name needs a registry; a bare tensor batch works with labels or the prediction', async () => {
  const model = linearModel();
  const x = tf.randomUniform([2, 4, 4, 1], 0, 1, 'float32', 3);
  const registry = new Registry();
  registry.register(vanillaGradient);
  const labels = tf.tensor1d([1, 1], 'int32');
  const report = await expectAttribution(model, x, {
    method: 'vanilla-gradient',
    registry,
    labels,
    artifactsDir: false,
  })
    .massIn({ top: 2, left: 2, height: 2, width: 2 }).atLeast(0.76);
  assert.equal(report.values.length, 2);
  try {
    await expectAttribution(model, x, { method: 'vanilla-gradient' }).massIn(quadrant).atMost(1);
    assert.unreachable();
  } catch (error) {
    assert.ok(isUserError(error));
    assert.match((error as Error).message, /no registry was passed/);
  }
  tf.dispose([x, labels]);
  model.dispose();
});

test('every tensor created by the assertions is disposed, failing ones included', async () => {
  const model = linearModel();
  const batch = batchOf(2);
  const before = tf.memory().numTensors;
  const expectation = expectAttribution(model, batch, { method: vanillaGradient, artifactsDir: dir });
  await expectation.massIn(quadrant).atLeast(0.5);
  await expectation.deterministic();
  await expectation.massIn(quadrant).atMost(0.1).catch(() => {});
  await expectAttribution(model, batch, { method: vanillaGradient, target: { class: 1 }, artifactsDir: false })
    .topKWithin(quadrant, 1).catch(() => {});
  assert.is(tf.memory().numTensors, before);
  tf.dispose([batch.x, batch.y]);
  model.dispose();
});

test.run();
