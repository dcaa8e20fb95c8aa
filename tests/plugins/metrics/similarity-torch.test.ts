import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseNpy, toFloat32 } from '../../../core/io/npy.ts';
import { spearman, ssim } from '../../../core/metrics/similarity.ts';

const test = suite('metrics: similarities against PyTorch');
const dir = new URL('../../fixtures/metrics/', import.meta.url);
const read = (name: string) => parseNpy(new Uint8Array(readFileSync(new URL(name, dir))), name);

test('Spearman (ties at their mean rank) and SSIM (7 x 7 uniform window) equal the PyTorch reference', () => {
  // Fixture: tests/fixtures/metrics/similarity_reference.py (maps with and without ties).
  const maps = read('maps.npy');
  const expected = Array.from(read('expected.npy').data as Float64Array);
  const values = toFloat32(maps.data);
  const d = 28 * 28;
  for (let p = 0; p < maps.shape[0]; p++) {
    const a = values.subarray((2 * p) * d, (2 * p + 1) * d);
    const b = values.subarray((2 * p + 1) * d, (2 * p + 2) * d);
    const rho = spearman(a, b);
    const s = ssim(a, b, [28, 28]);
    assert.ok(Math.abs(rho - expected[2 * p]) < 1e-9, `pair ${p}: Spearman ${rho} vs ${expected[2 * p]}`);
    assert.ok(Math.abs(s - expected[2 * p + 1]) < 1e-9, `pair ${p}: SSIM ${s} vs ${expected[2 * p + 1]}`);
  }
});

test.run();
