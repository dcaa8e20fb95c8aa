import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../../core/engine/backend.ts';
import { occlusion } from '../../../plugins/attributions/occlusion.ts';
import { inputs, linearModel, mapValues, maxDiff, read } from './fixtures.ts';

const test = suite('occlusion');
test.before(async () => {
  await initBackend();
});

/**
 * The definition on a linear model, computed by hand: a window's drop is sum over its pixels and
 * channels of W[c] * (x - baseline); a pixel gets the mean drop of the windows covering it.
 */
function expected(
  x: number[],
  w: Float32Array,
  classes: number,
  c: number,
  size: [number, number, number],
  windows: number[][],
  win: number,
  baseline: number,
): number[] {
  const [h, wd, ch] = size;
  const drop = windows.map(([r0, c0]) => {
    let d = 0;
    for (let r = r0; r < r0 + win; r++) {
      for (let q = c0; q < c0 + win; q++) {
        for (let k = 0; k < ch; k++) {
          const j = (r * wd + q) * ch + k;
          d += w[j * classes + c] * (x[j] - baseline);
        }
      }
    }
    return d;
  });
  const out: number[] = [];
  for (let r = 0; r < h; r++) {
    for (let q = 0; q < wd; q++) {
      const covering = windows.map((
        [r0, c0],
        i,
      ) => (r >= r0 && r < r0 + win && q >= c0 && q < c0 + win ? drop[i] : NaN)).filter((v) => !Number.isNaN(v));
      const mean = covering.length ? covering.reduce((a, b) => a + b, 0) / covering.length : 0;
      for (let k = 0; k < ch; k++) out.push(mean);
    }
  }
  return out;
}

test('on a linear model equals the window sums of W[c] * x, averaged over covering windows', async () => {
  const { model, w } = linearModel([6, 6, 2], 3);
  const x = inputs(2, [6, 6, 2]);
  const xs = read(x);
  // Non-overlapping (window 3, stride 3) and overlapping (window 4, stride 2: starts 0, 2).
  const cases: [Record<string, number>, number[][], number][] = [
    [{ window: 3 }, [[0, 0], [0, 3], [3, 0], [3, 3]], 3],
    [{ window: 4, stride: 2, baseline: 0.5, maxBatch: 3 }, [[0, 0], [0, 2], [2, 0], [2, 2]], 4],
  ];
  for (const [options, windows, win] of cases) {
    const map = await mapValues(occlusion, model, x, [2, 0], options);
    const want = [0, 1].flatMap((n) =>
      expected(xs.slice(n * 72, n * 72 + 72), w, 3, [2, 0][n], [6, 6, 2], windows, win, options.baseline ?? 0)
    );
    assert.ok(maxDiff(map, want) < 1e-5, JSON.stringify(options));
  }
  x.dispose();
  model.dispose();
});

test('the result does not depend on maxBatch', async () => {
  const { model } = linearModel([5, 7, 1], 2);
  const x = inputs(3, [5, 7, 1]);
  const a = await mapValues(occlusion, model, x, [0, 1, 0], { window: 2, stride: 1, maxBatch: 1 });
  const b = await mapValues(occlusion, model, x, [0, 1, 0], { window: 2, stride: 1, maxBatch: 100 });
  assert.ok(maxDiff(a, b) < 1e-5);
  assert.ok(a.some((v) => v !== 0));
  x.dispose();
  model.dispose();
});

test('declares its cost from the image size: one full pass plus one per window', () => {
  // 28 with window 4 and stride 4: 7 starts per axis; stride 3: 0, 3, ..., 21 and 24 = 9 starts.
  assert.equal(occlusion.cost!(occlusion.options.parse({}), [28, 28, 1]), { forward: 50, backward: 0 });
  assert.equal(occlusion.cost!(occlusion.options.parse({ stride: 3 }), [28, 28, 1]), { forward: 82, backward: 0 });
});

test.run();
