/**
 * Colour maps for attribution maps, as functions of t in [0, 1] returning RGB bytes. `hot` is
 * the black-red-yellow-white ramp (matplotlib's `hot` with equal thirds), the usual choice for
 * unsigned saliency; `grey` is for inputs.
 */
export type ColorMap = (t: number) => [number, number, number];

const byte = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));

export const hot: ColorMap = (t) => [byte(3 * t), byte(3 * t - 1), byte(3 * t - 2)];

export const grey: ColorMap = (t) => [byte(t), byte(t), byte(t)];

/**
 * Colours `values` (row-major, `width * height` of them) as RGBA bytes: values are scaled
 * linearly so `min` maps to t = 0 and `max` to t = 1 (default: the values' own range), and
 * clipped outside it. NaN is drawn as transparent.
 */
export function colorize(
  values: ArrayLike<number>,
  map: ColorMap,
  range: { min?: number; max?: number } = {},
): Uint8Array {
  let min = range.min ?? Infinity;
  let max = range.max ?? -Infinity;
  if (range.min === undefined || range.max === undefined) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isNaN(v)) continue;
      if (range.min === undefined) min = Math.min(min, v);
      if (range.max === undefined) max = Math.max(max, v);
    }
  }
  const span = max > min ? max - min : 1;
  const out = new Uint8Array(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    const [r, g, b] = map((v - min) / span);
    out.set([r, g, b, 255], i * 4);
  }
  return out;
}
