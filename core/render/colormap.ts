/**
 * Colour maps for attribution maps, as functions of t in [0, 1] returning RGB bytes. `hot` is
 * the black-red-yellow-white ramp (matplotlib's `hot` with equal thirds), the usual choice for
 * unsigned saliency; `grey` is for inputs; `inferno` and `viridis` use the published 6th-order
 * polynomial fits of matplotlib's tables (error < 1/255 over most of the range); `diverging` is
 * a blue-white-red ramp (ColorBrewer RdBu) whose middle is white, for signed maps normalised
 * symmetrically around zero. The one source of colour maps: gradlens/testing's PNGs and the
 * dashboard (ui/render/colormaps.ts builds its lookup tables from `COLOR_MAPS`).
 */
export type ColorMap = (t: number) => [number, number, number];

const byte = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));

export const hot: ColorMap = (t) => [byte(3 * t), byte(3 * t - 1), byte(3 * t - 2)];

export const grey: ColorMap = (t) => [byte(t), byte(t), byte(t)];

type Coefficients = [number, number, number][];

const INFERNO: Coefficients = [
  [0.0002189403691192265, 0.001651004631001012, -0.01948089843709184],
  [0.1065134194856116, 0.5639564367884091, 3.932712388889277],
  [11.60249308247187, -3.972853965665698, -15.9423941062914],
  [-41.70399613139459, 17.43639888205313, 44.35414519872813],
  [77.162935699427, -33.40235894210092, -81.80730925738993],
  [-71.31942824499214, 32.62606426397723, 73.20951985803202],
  [25.13112622477341, -12.24266895238567, -23.07032500287172],
];

const VIRIDIS: Coefficients = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];

const polynomial = (c: Coefficients): ColorMap => (t) =>
  [0, 1, 2].map((k) => byte(c.reduceRight((acc, coef) => acc * t + coef[k], 0))) as [number, number, number];

export const inferno: ColorMap = polynomial(INFERNO);

export const viridis: ColorMap = polynomial(VIRIDIS);

const RDBU = [[5, 48, 97], [67, 147, 195], [247, 247, 247], [214, 96, 77], [103, 0, 31]];

export const diverging: ColorMap = (t) => {
  const x = Math.min(1, Math.max(0, t)) * (RDBU.length - 1);
  const i = Math.min(RDBU.length - 2, Math.floor(x));
  const f = x - i;
  return [0, 1, 2].map((k) => Math.round(RDBU[i][k] * (1 - f) + RDBU[i + 1][k] * f)) as [number, number, number];
};

/** Every colour map by name, in the order the dashboard offers them. */
export const COLOR_MAPS = { hot, inferno, viridis, grey, diverging } as const;
export type ColorMapName = keyof typeof COLOR_MAPS;

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
