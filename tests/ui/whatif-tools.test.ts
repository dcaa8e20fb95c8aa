/** The page's edit tools: brush, rectangle, the three fills and how an edit is applied. Pure functions. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { applyMask, brush, fillSource, fromBase64, rectangle, toBase64 } from '../../ui/app/lib/edit-tools.ts';

const test = suite('ui what-if tools');

test('a brush marks a disc, clipped at the edges; a rectangle marks both corners and between', () => {
  const m = new Uint8Array(25);
  brush(m, 5, 5, 0, 0, 1);
  assert.equal(Array.from(m.slice(0, 10)), [1, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
  const r = new Uint8Array(25);
  rectangle(r, 5, 5, 3, 4, 1, 2);
  assert.is(r.reduce((a, b) => a + b, 0), 9);
  assert.is(r[2 * 5 + 1], 1);
  assert.is(r[4 * 5 + 3], 1);
  assert.is(r[1 * 5 + 1], 0);
});

test('fills: zero, the mean per channel, and a blur that keeps the mean of a flat region', () => {
  // 2 x 2 pixels, 2 channels
  const x = Float32Array.from([1, 10, 3, 20, 5, 30, 7, 40]);
  assert.equal(Array.from(fillSource(x, 2, 2, 2, 'zero')), [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(Array.from(fillSource(x, 2, 2, 2, 'mean')), [4, 25, 4, 25, 4, 25, 4, 25]);
  const flat = new Float32Array(36).fill(2);
  assert.ok(fillSource(flat, 6, 6, 1, 'blur').every((v) => Math.abs(v - 2) < 1e-6));
  const spike = new Float32Array(49);
  spike[24] = 49;
  const blurred = fillSource(spike, 7, 7, 1, 'blur');
  assert.ok(blurred[24] < 49 && blurred[24] > 0, 'the peak spreads');
  assert.ok(blurred[23] > 0 && Math.abs(blurred[23] - blurred[25]) < 1e-5, 'evenly');
});

test('an edit takes the fill where the mask is set and the original elsewhere; arrays survive base64', () => {
  const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const out = applyMask(x, Uint8Array.from([0, 1, 0]), new Float32Array(6).fill(-1), 2);
  assert.equal(Array.from(out), [1, 2, -1, -1, 5, 6]);
  assert.equal(Array.from(x), [1, 2, 3, 4, 5, 6], 'the original is left alone');
  const big = Float32Array.from({ length: 70000 }, (_, i) => Math.sin(i));
  assert.equal(Array.from(fromBase64(toBase64(big))), Array.from(big));
});

test.run();
