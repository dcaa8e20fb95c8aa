/**
 * Writes `data/garment-mask.npy`: for each marked test image, 1 where the garment is (pixels
 * brighter than 0.05 below the mark band), 0 elsewhere, uint8 `[N, 28, 28]`. The localisation
 * metrics read it as the dataset's extra array `garment`: a map that points at the garment, not
 * the mark, scores high. Run: `npx tsx examples/shortcut/garment-mask.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { encodeNpy, parseNpy, toFloat32 } from '../../core/index.ts';
import { MARK_SIZE } from './mark.ts';

const here = new URL('./data/', import.meta.url);
const x = parseNpy(new Uint8Array(readFileSync(new URL('marked-x.npy', here))), 'marked-x.npy');
const [n, h, w] = x.shape;
const values = toFloat32(x.data);
const mask = new Uint8Array(n * h * w);
for (let i = 0; i < n * h * w; i++) {
  const row = Math.floor(i / w) % h;
  mask[i] = row >= MARK_SIZE && values[i] > 0.05 ? 1 : 0;
}
writeFileSync(new URL('garment-mask.npy', here), encodeNpy(mask, [n, h, w]));
console.log(`wrote garment-mask.npy [${n}, ${h}, ${w}]`);
