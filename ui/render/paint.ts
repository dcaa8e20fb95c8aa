import { unit, type ValueRange } from './normalise.ts';

/**
 * Colours a plane of values into RGBA bytes (`out`, 4 bytes per value) through a 256-entry
 * lookup table. With `overlay`, the colour is blended over the input's RGBA pixels with the
 * given opacity (0: input only, 1: map only).
 */
export function paintPlane(
  plane: ArrayLike<number>,
  range: ValueRange,
  lut: Uint8Array,
  out: Uint8ClampedArray,
  overlay?: { base: Uint8ClampedArray; opacity: number },
): Uint8ClampedArray {
  const n = plane.length;
  const a = overlay ? Math.min(1, Math.max(0, overlay.opacity)) : 1;
  const base = overlay?.base;
  for (let i = 0; i < n; i++) {
    const k = Math.round(unit(plane[i], range) * 255) * 3;
    const o = i * 4;
    if (base) {
      out[o] = base[o] * (1 - a) + lut[k] * a;
      out[o + 1] = base[o + 1] * (1 - a) + lut[k + 1] * a;
      out[o + 2] = base[o + 2] * (1 - a) + lut[k + 2] * a;
    } else {
      out[o] = lut[k];
      out[o + 1] = lut[k + 1];
      out[o + 2] = lut[k + 2];
    }
    out[o + 3] = 255;
  }
  return out;
}

/** A horizontal colour bar of `width` pixels and `height` rows for a lookup table. */
export function colorBar(lut: Uint8Array, width: number, height: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let x = 0; x < width; x++) {
    const k = Math.round((x / Math.max(1, width - 1)) * 255) * 3;
    for (let y = 0; y < height; y++) {
      const o = (y * width + x) * 4;
      out[o] = lut[k];
      out[o + 1] = lut[k + 1];
      out[o + 2] = lut[k + 2];
      out[o + 3] = 255;
    }
  }
  return out;
}
