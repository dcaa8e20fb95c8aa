/**
 * Colour maps as 256-entry RGB lookup tables. `hot` and `grey` are exact; `inferno` and
 * `viridis` use the published 6th-order polynomial fits of matplotlib's tables (error < 1/255
 * over most of the range); `diverging` is a blue-white-red ramp (ColorBrewer RdBu) whose middle
 * entry is white, for signed maps normalised symmetrically around zero.
 */
export const COLOR_MAPS = ['hot', 'inferno', 'viridis', 'grey', 'diverging'] as const;
export type ColorMapName = typeof COLOR_MAPS[number];

type Rgb = [number, number, number];

const POLY: Record<'inferno' | 'viridis', Rgb[]> = {
  inferno: [
    [0.0002189403691192265, 0.001651004631001012, -0.01948089843709184],
    [0.1065134194856116, 0.5639564367884091, 3.932712388889277],
    [11.60249308247187, -3.972853965665698, -15.9423941062914],
    [-41.70399613139459, 17.43639888205313, 44.35414519872813],
    [77.162935699427, -33.40235894210092, -81.80730925738993],
    [-71.31942824499214, 32.62606426397723, 73.20951985803202],
    [25.13112622477341, -12.24266895238567, -23.07032500287172],
  ],
  viridis: [
    [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
    [0.1050930431085774, 1.404613529898575, 1.384590162594685],
    [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
    [-4.634230498983486, -5.799100973351585, -19.33244095627987],
    [6.228269936347081, 14.17993336680509, 56.69055260068105],
    [4.776384997670288, -13.74514537774601, -65.35303263337234],
    [-5.435455855934631, 4.645852612178535, 26.3124352495832],
  ],
};

const RDBU: Rgb[] = [[5, 48, 97], [67, 147, 195], [247, 247, 247], [214, 96, 77], [103, 0, 31]];

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

function colorAt(name: ColorMapName, t: number): Rgb {
  switch (name) {
    case 'hot':
      return [clamp01(3 * t), clamp01(3 * t - 1), clamp01(3 * t - 2)];
    case 'grey':
      return [t, t, t];
    case 'inferno':
    case 'viridis': {
      const c = POLY[name];
      return [0, 1, 2].map((k) => clamp01(c.reduceRight((acc, coef) => acc * t + coef[k], 0))) as Rgb;
    }
    case 'diverging': {
      const x = t * (RDBU.length - 1);
      const i = Math.min(RDBU.length - 2, Math.floor(x));
      const f = x - i;
      return [0, 1, 2].map((k) => (RDBU[i][k] * (1 - f) + RDBU[i + 1][k] * f) / 255) as Rgb;
    }
  }
}

const cache = new Map<ColorMapName, Uint8Array>();

/** The map as 256 RGB triples (768 bytes): entry i is the colour of t = i / 255. */
export function colorLut(name: ColorMapName): Uint8Array {
  let lut = cache.get(name);
  if (!lut) {
    lut = new Uint8Array(768);
    for (let i = 0; i < 256; i++) {
      const rgb = colorAt(name, i / 255);
      for (let k = 0; k < 3; k++) lut[i * 3 + k] = Math.round(rgb[k] * 255);
    }
    cache.set(name, lut);
  }
  return lut;
}

/** The colour map a map gets when the user leaves it on `auto`: hot, or diverging for signed maps. */
export function defaultColorMap(signed: boolean): ColorMapName {
  return signed ? 'diverging' : 'hot';
}
