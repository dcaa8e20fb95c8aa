/**
 * Colour maps as 256-entry RGB lookup tables for painting. The maps themselves live in
 * core/render/colormap.ts (shared with gradlens/testing); this module only tabulates them.
 */
import { COLOR_MAPS as MAPS } from '../../core/browser.ts';
import type { ColorMapName } from '../../core/index.ts';

export type { ColorMapName };
export const COLOR_MAPS = Object.keys(MAPS) as ColorMapName[];

const cache = new Map<ColorMapName, Uint8Array>();

/** The map as 256 RGB triples (768 bytes): entry i is the colour of t = i / 255. */
export function colorLut(name: ColorMapName): Uint8Array {
  let lut = cache.get(name);
  if (!lut) {
    lut = new Uint8Array(768);
    for (let i = 0; i < 256; i++) lut.set(MAPS[name](i / 255), i * 3);
    cache.set(name, lut);
  }
  return lut;
}

/** The colour map a map gets when the user leaves it on `auto`: hot, or diverging for signed maps. */
export function defaultColorMap(signed: boolean): ColorMapName {
  return signed ? 'diverging' : 'hot';
}
