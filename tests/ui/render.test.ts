import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { COLOR_MAPS as CORE_MAPS } from '../../core/render/colormap.ts';
import { COLOR_MAPS, colorLut, defaultColorMap } from '../../ui/render/colormaps.ts';
import { displayRange, percentile, unit } from '../../ui/render/normalise.ts';
import { agreementMatrix, disagreement, ranks, spearman } from '../../ui/render/spearman.ts';
import { paintPlane } from '../../ui/render/paint.ts';
import { inputRgba, layoutOf, mapPlane } from '../../ui/render/layout.ts';
import { visibleRows } from '../../ui/render/batch.ts';
import { batchMismatch, parseRunQuery, runQuery } from '../../ui/app/lib/compare.ts';

const test = suite('ui render');
const rgb = (lut: Uint8Array, i: number) => Array.from(lut.subarray(i * 3, i * 3 + 3));

test('colour maps: known end points and a white middle for diverging', () => {
  assert.equal(rgb(colorLut('hot'), 0), [0, 0, 0]);
  assert.equal(rgb(colorLut('hot'), 255), [255, 255, 255]);
  assert.equal(rgb(colorLut('hot'), 85), [255, 0, 0]);
  assert.equal(rgb(colorLut('grey'), 128), [128, 128, 128]);
  const close = (a: number[], b: number[], tol: number) => a.every((v, i) => Math.abs(v - b[i]) <= tol);
  // matplotlib's tables: viridis 0 = #440154, 1 = #fde725; inferno 0 = #000004, 1 = #fcffa4
  assert.ok(close(rgb(colorLut('viridis'), 0), [68, 1, 84], 3), String(rgb(colorLut('viridis'), 0)));
  assert.ok(close(rgb(colorLut('viridis'), 255), [253, 231, 37], 4), String(rgb(colorLut('viridis'), 255)));
  assert.ok(close(rgb(colorLut('inferno'), 0), [0, 0, 4], 4), String(rgb(colorLut('inferno'), 0)));
  assert.ok(close(rgb(colorLut('inferno'), 255), [252, 255, 164], 6), String(rgb(colorLut('inferno'), 255)));
  const mid = rgb(colorLut('diverging'), 127.5 | 0);
  assert.ok(mid.every((v) => v > 235), String(mid));
  assert.ok(rgb(colorLut('diverging'), 0)[2] > rgb(colorLut('diverging'), 0)[0], 'low end is blue');
  assert.ok(rgb(colorLut('diverging'), 255)[0] > rgb(colorLut('diverging'), 255)[2], 'high end is red');
  assert.is(defaultColorMap(true), 'diverging');
  assert.is(defaultColorMap(false), 'hot');
});

test('percentile interpolates like numpy and ignores NaN', () => {
  const v = Float32Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted order
  assert.ok(Math.abs(percentile(v, 99) - 99.01) < 1e-4);
  assert.is(percentile(v, 50), 50.5);
  assert.is(percentile(v, 100), 100);
  assert.is(percentile(v, 0), 1);
  assert.is(percentile([NaN, 3, NaN, 1], 100), 3);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('display ranges: unsigned from 0, signed symmetric, never zero-width', () => {
  const values = Float32Array.from({ length: 101 }, (_, i) => i);
  assert.equal(displayRange(values, false, 100), { lo: 0, hi: 100 });
  assert.equal(displayRange(values, false, 50), { lo: 0, hi: 50 });
  assert.equal(displayRange([-4, 1, 2], true, 100), { lo: -4, hi: 4 });
  assert.equal(displayRange([0, 0, 0], false, 99), { lo: 0, hi: 1 });
  assert.equal(displayRange([NaN], true, 99), { lo: 0, hi: 1 });
  assert.is(unit(5, { lo: 0, hi: 10 }), 0.5);
  assert.is(unit(50, { lo: 0, hi: 10 }), 1);
  assert.is(unit(NaN, { lo: 0, hi: 10 }), 0);
});

test('spearman: monotone maps agree, reversed disagree, ties share ranks', () => {
  const a = [1, 2, 3, 4, 5];
  assert.is(spearman(a, a.map((x) => x ** 3)), 1);
  assert.is(spearman(a, a.map((x) => -x)), -1);
  assert.equal(Array.from(ranks([10, 20, 20, 5])), [2, 3.5, 3.5, 1]);
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
  // textbook example: rho = 1 - 6 * sum(d^2) / (n (n^2 - 1)) with d = [0, -1, 1, 0, 0] -> 0.9
  assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [1, 3, 2, 4, 5]) - 0.9) < 1e-12);
  const m = agreementMatrix([a, a.map((x) => x * 2), a.map((x) => -x)]);
  assert.equal(m.map((r) => r.map((v) => Math.round(v))), [[1, 1, -1], [1, 1, -1], [-1, -1, 1]]);
  assert.ok(Math.abs(disagreement(m) - (1 - (1 - 1 - 1) / 3)) < 1e-12);
  assert.throws(() => spearman([1], [1, 2]), /sizes differ/);
});

test('painting: lookup, clamping, and overlay opacity', () => {
  const lut = colorLut('grey');
  const out = paintPlane([0, 5, 20], { lo: 0, hi: 10 }, lut, new Uint8ClampedArray(12));
  assert.equal(Array.from(out), [0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
  const base = new Uint8ClampedArray([200, 100, 50, 255]);
  const hidden = paintPlane([10], { lo: 0, hi: 10 }, lut, new Uint8ClampedArray(4), { base, opacity: 0 });
  assert.equal(Array.from(hidden), [200, 100, 50, 255]);
  const half = paintPlane([10], { lo: 0, hi: 10 }, lut, new Uint8ClampedArray(4), { base, opacity: 0.5 });
  assert.equal(Array.from(half), [228, 178, 152, 255]); // 152.5 rounds half to even
});

test('layout: images, kept channels collapsed, series transposed into strips', () => {
  const image = layoutOf([2, 2, 3]);
  assert.equal(image, { kind: 'image', height: 2, width: 2, channels: 3 });
  const kept = Float32Array.from([1, -2, 3, 0, 0, 0, 5, 5, 5, -1, -1, -1]);
  assert.equal(Array.from(mapPlane(kept, 0, [2, 2, 3], image, true).plane), [2, 0, 15, -3]);
  assert.equal(Array.from(mapPlane(kept, 0, [2, 2, 3], image, false).plane), [3, 0, 5, -1]);
  const series = layoutOf([3, 2]);
  const m = Float32Array.from([0, 1, 2, 3, 4, 5]); // [T=3, F=2]: t0=(0,1) t1=(2,3) t2=(4,5)
  const strip = mapPlane(m, 0, [3, 2], series, false);
  assert.is(strip.rows, 2);
  assert.equal(Array.from(strip.plane), [0, 2, 4, 1, 3, 5]);
  assert.is(mapPlane(Float32Array.from([7, 8, 9]), 0, [3], series, false).rows, 1);
  const rgba = inputRgba(Float32Array.from([0, 1, 2, 3]), 0, layoutOf([2, 2, 1]));
  assert.equal(Array.from(rgba.filter((_, i) => i % 4 === 0)), [0, 85, 170, 255]);
  assert.throws(() => layoutOf([5]), /expected \[H, W, C\] or \[T, F\]/);
});

test('the lookup tables tabulate the core colour maps (one source)', () => {
  assert.equal(COLOR_MAPS, ['hot', 'inferno', 'viridis', 'grey', 'diverging']);
  for (const name of COLOR_MAPS) {
    for (const i of [0, 77, 128, 255]) assert.equal(rgb(colorLut(name), i), CORE_MAPS[name](i / 255), `${name} ${i}`);
  }
});

test('rows: filters and sorts', () => {
  const samples = [
    { label: 0, prediction: 0, probabilities: [0.9, 0.1] },
    { label: 1, prediction: 0, probabilities: [0.6, 0.4] },
    { label: 1, prediction: 1, probabilities: [0.3, 0.7] },
  ];
  const none = () => 0;
  assert.equal(visibleRows(samples, { kind: 'all' }, 'index', none), [0, 1, 2]);
  assert.equal(visibleRows(samples, { kind: 'correct' }, 'index', none), [0, 2]);
  assert.equal(visibleRows(samples, { kind: 'wrong' }, 'index', none), [1]);
  assert.equal(visibleRows(samples, { kind: 'class', index: 1 }, 'index', none), [1, 2]);
  assert.equal(visibleRows(samples, { kind: 'all' }, 'confidence', none), [1, 2, 0]);
  assert.equal(visibleRows(samples, { kind: 'all' }, 'loss', none), [1, 2, 0]);
  assert.equal(visibleRows(samples, { kind: 'all' }, 'disagreement', (i) => [0.1, 0.5, 0.9][i]), [2, 1, 0]);
});

test('rows across compared runs: correct in every run, wrong in any, runs that differ', () => {
  const a = [
    { label: 0, prediction: 0, probabilities: [0.9, 0.1] },
    { label: 1, prediction: 1, probabilities: [0.2, 0.8] },
    { label: 1, prediction: 1, probabilities: [0.4, 0.6] },
  ];
  const b = [
    { label: 0, prediction: 0, probabilities: [0.6, 0.4] },
    { label: 1, prediction: 0, probabilities: [0.7, 0.3] },
    { label: 1, prediction: 1, probabilities: [0.1, 0.9] },
  ];
  const none = () => 0;
  assert.equal(visibleRows(a, { kind: 'correct' }, 'index', none, [b]), [0, 2]);
  assert.equal(visibleRows(a, { kind: 'wrong' }, 'index', none, [b]), [1]);
  assert.equal(visibleRows(a, { kind: 'differ' }, 'index', none, [b]), [1]);
  // least sure run first: 0.6 (row 0, run b), 0.6 (row 2, run a), 0.7 (row 1, run b)
  assert.equal(visibleRows(a, { kind: 'all' }, 'confidence', none, [b]), [0, 2, 1]);
  // worst loss: row 1 (b: -ln 0.3) before row 2 (a: -ln 0.6) before row 0 (b: -ln 0.6 ties, index)
  assert.equal(visibleRows(a, { kind: 'all' }, 'loss', none, [b]), [1, 0, 2]);
});

test('comparison: URL query and the same-samples check', () => {
  assert.equal(parseRunQuery('?run=a&compare=b,c&compare=a&compare=b'), { run: 'a', compare: ['b', 'c'] });
  assert.equal(parseRunQuery(''), { run: null, compare: [] });
  assert.is(runQuery('?token=t&run=x', 'a', ['b', 'c']), '?token=t&run=a&compare=b%2Cc');
  assert.is(runQuery('?compare=b', 'a', []), '?run=a');
  const base = { run: 'a', ids: ['0', '1'], inputsShape: [2, 28, 28, 1] };
  assert.is(batchMismatch(base, { ...base, run: 'b' }, 0), null);
  assert.match(
    batchMismatch(base, { run: 'b', ids: ['0'], inputsShape: [1, 28, 28, 1] }, 0)!,
    /has 1 samples, 'a' has 2/,
  );
  assert.match(
    batchMismatch(base, { run: 'b', ids: ['0', '7'], inputsShape: base.inputsShape }, 2)!,
    /batch 3 of 'b' holds other samples than 'a' \(row 1: '7' vs '1'\)/,
  );
  assert.match(batchMismatch(base, { run: 'b', ids: base.ids, inputsShape: [2, 28, 28, 3] }, 0)!, /\[2, 28, 28, 3\]/);
});

test.run();
