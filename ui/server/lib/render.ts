/** Server-side PNGs of maps and inputs, with the same pure modules the page uses. */
import { encodePng } from '../../../core/index.ts';
import { colorLut, type ColorMapName, defaultColorMap } from '../../render/colormaps.ts';
import { inputRgba, type Layout, mapPlane } from '../../render/layout.ts';
import { displayRange } from '../../render/normalise.ts';
import { paintPlane } from '../../render/paint.ts';

export interface MapPngOptions {
  cmap: ColorMapName | 'auto';
  norm: 'map' | 'column';
  clip: number;
  overlay: boolean;
  opacity: number;
}

/** One sample's map `data[sample]` (data `[N, ...mapShape]`) as a PNG. */
export function mapPng(
  data: Float32Array,
  shape: number[],
  sample: number,
  layout: Layout,
  signed: boolean,
  options: MapPngOptions,
  inputs?: Float32Array,
): Uint8Array {
  const mapShape = shape.slice(1);
  const { plane, rows } = mapPlane(data, sample, mapShape, layout, signed);
  let values: ArrayLike<number> = plane;
  if (options.norm === 'column') {
    const all = new Float32Array(plane.length * shape[0]);
    for (let i = 0; i < shape[0]; i++) all.set(mapPlane(data, i, mapShape, layout, signed).plane, i * plane.length);
    values = all;
  }
  const range = displayRange(values, signed, options.clip);
  const lut = colorLut(options.cmap === 'auto' ? defaultColorMap(signed) : options.cmap);
  const base = options.overlay && inputs && rows === layout.height ? inputRgba(inputs, sample, layout) : undefined;
  const rgba = paintPlane(
    plane,
    range,
    lut,
    new Uint8ClampedArray(plane.length * 4),
    base && {
      base,
      opacity: options.opacity,
    },
  );
  return encodePng({ width: layout.width, height: rows, data: new Uint8Array(rgba.buffer) });
}

/** One sample's input as a PNG (min-max scaled; series as a strip of one row per feature). */
export function inputPng(data: Float32Array, sample: number, layout: Layout): Uint8Array {
  const rgba = inputRgba(data, sample, layout);
  return encodePng({ width: layout.width, height: layout.height, data: new Uint8Array(rgba.buffer) });
}
