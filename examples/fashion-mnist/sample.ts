import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNpy } from '../../core/io/npy.ts';
import { PIXELS, SIDE, type Split } from './data.ts';

/**
 * Writes `x` as float32 `[n, 28, 28, 1]` in [0, 1] and `y` as int32 `[n]`, the layout the `npy`
 * dataset plugin reads.
 */
export function writeSample(split: Split, dir: string, prefix = 'sample'): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${prefix}-x.npy`), encodeNpy(split.x.slice(0, split.n * PIXELS), [split.n, SIDE, SIDE, 1]));
  writeFileSync(join(dir, `${prefix}-y.npy`), encodeNpy(split.y.slice(0, split.n), [split.n]));
}
