/**
 * How a run's maps are laid out for display, from the manifest's shapes (without N).
 * Images `[H, W, C]` give `image` cells of H x W; sequences `[T, F]` give `series` cells whose
 * map is a heat strip of T columns and one row per feature kept (F, or 1 after a reduction).
 */
export type Layout =
  | { kind: 'image'; width: number; height: number; channels: number }
  | { kind: 'series'; width: number; height: number; features: number };

export function layoutOf(sampleShape: readonly number[]): Layout {
  if (sampleShape.length === 3) {
    return { kind: 'image', height: sampleShape[0], width: sampleShape[1], channels: sampleShape[2] };
  }
  if (sampleShape.length === 2) {
    return { kind: 'series', width: sampleShape[0], height: sampleShape[1], features: sampleShape[1] };
  }
  throw new Error(`cannot display samples of shape [${sampleShape.join(', ')}]; expected [H, W, C] or [T, F]`);
}

/** Values per sample for a shape without N. */
export function sizeOf(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((a, b) => a * (b ?? 0), 1);
}

/**
 * One sample's map as a plane of `rows x layout.width` values, row-major, ready to paint.
 * Image maps that kept their channels (`reduce: none`) are collapsed here for display only:
 * sum for signed maps, max otherwise (the same defaults the runner uses). Series maps `[T, F]`
 * are transposed so each feature is a row of the strip.
 */
export function mapPlane(
  data: Float32Array,
  sample: number,
  mapShape: readonly (number | null)[],
  layout: Layout,
  signed: boolean,
): { plane: Float32Array; rows: number } {
  const per = sizeOf(mapShape);
  const src = data.subarray(sample * per, (sample + 1) * per);
  const w = layout.width;
  if (layout.kind === 'image') {
    const pixels = layout.width * layout.height;
    if (per === pixels) return { plane: src, rows: layout.height };
    const c = per / pixels;
    const plane = new Float32Array(pixels);
    for (let p = 0; p < pixels; p++) {
      let acc = signed ? 0 : -Infinity;
      for (let k = 0; k < c; k++) {
        const v = src[p * c + k];
        acc = signed ? acc + v : Math.max(acc, v);
      }
      plane[p] = acc;
    }
    return { plane, rows: layout.height };
  }
  const rows = per / w;
  if (rows === 1) return { plane: src, rows: 1 };
  const plane = new Float32Array(per);
  for (let t = 0; t < w; t++) for (let f = 0; f < rows; f++) plane[f * w + t] = src[t * rows + f];
  return { plane, rows };
}

/**
 * An image input as RGBA bytes, min-max scaled per sample (1 channel: grey; 3 or more: the
 * first three as RGB). Series inputs come back as a grey strip of one row per feature.
 */
export function inputRgba(data: Float32Array, sample: number, layout: Layout): Uint8ClampedArray {
  const c = layout.kind === 'image' ? layout.channels : 1;
  const pixels = layout.width * layout.height;
  const src = data.subarray(sample * pixels * c, (sample + 1) * pixels * c);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const out = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    const o = p * 4;
    if (layout.kind === 'series') {
      // [T, F] -> row f, column t
      const t = p % layout.width;
      const f = Math.floor(p / layout.width);
      const g = (src[t * layout.features + f] - lo) * scale;
      out[o] = out[o + 1] = out[o + 2] = g;
    } else if (c >= 3) {
      out[o] = (src[p * c] - lo) * scale;
      out[o + 1] = (src[p * c + 1] - lo) * scale;
      out[o + 2] = (src[p * c + 2] - lo) * scale;
    } else {
      out[o] = out[o + 1] = out[o + 2] = (src[p * c] - lo) * scale;
    }
    out[o + 3] = 255;
  }
  return out;
}
