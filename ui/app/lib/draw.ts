/** Canvas drawing of cells: image maps, inputs, and series (line with a heat strip under it). */
import type { Layout } from '../../render/layout.ts';
import type { ValueRange } from '../../render/normalise.ts';
import { paintPlane } from '../../render/paint.ts';

export const SERIES_LINE = 40;
export const SERIES_ROW = 6;

/** Canvas size of a cell: native pixels for images, a line plot plus strip for series. */
export function cellSize(layout: Layout, rows: number): [number, number] {
  if (layout.kind === 'image') return [layout.width, layout.height];
  return [Math.max(layout.width, 120), SERIES_LINE + rows * SERIES_ROW];
}

export interface MapPaint {
  plane: Float32Array;
  rows: number;
  range: ValueRange;
  lut: Uint8Array;
  overlay?: { base: Uint8ClampedArray; opacity: number };
}

/** Draws a map cell (`map`) or the input alone (`map` undefined). */
export function drawCell(
  canvas: HTMLCanvasElement,
  layout: Layout,
  input: { rgba: Uint8ClampedArray; series?: Float32Array },
  map?: MapPaint,
): void {
  const rows = map?.rows ?? 0;
  const [w, h] = cellSize(layout, rows);
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  if (layout.kind === 'image') {
    const rgba = map
      ? paintPlane(map.plane, map.range, map.lut, new Uint8ClampedArray(map.plane.length * 4), map.overlay)
      : input.rgba;
    ctx.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, w, h), 0, 0);
    return;
  }
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  drawSeries(ctx, input.series!, layout, w, SERIES_LINE);
  if (map) {
    const strip = paintPlane(map.plane, map.range, map.lut, new Uint8ClampedArray(map.plane.length * 4));
    const tmp = document.createElement('canvas');
    tmp.width = layout.width;
    tmp.height = rows;
    tmp.getContext('2d')!.putImageData(
      new ImageData(strip as Uint8ClampedArray<ArrayBuffer>, layout.width, rows),
      0,
      0,
    );
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(tmp, 0, SERIES_LINE, w, rows * SERIES_ROW);
  }
}

/** One line per feature of a `[T, F]` sample, each scaled to the plot's height. */
function drawSeries(ctx: CanvasRenderingContext2D, series: Float32Array, layout: Layout, w: number, h: number) {
  const t = layout.width;
  const f = layout.kind === 'series' ? layout.features : 1;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of series) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi > lo ? hi - lo : 1;
  const colours = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd'];
  for (let k = 0; k < f; k++) {
    ctx.beginPath();
    ctx.strokeStyle = colours[k % colours.length];
    for (let i = 0; i < t; i++) {
      const x = ((i + 0.5) / t) * w;
      const y = h - 2 - ((series[i * f + k] - lo) / span) * (h - 4);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.stroke();
  }
}

/** Draws a horizontal colour bar for a lookup table. */
export function drawColorBar(canvas: HTMLCanvasElement, lut: Uint8Array): void {
  canvas.width = 256;
  canvas.height = 1;
  const data = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    data.set([lut[i * 3], lut[i * 3 + 1], lut[i * 3 + 2], 255], i * 4);
  }
  canvas.getContext('2d')!.putImageData(new ImageData(data, 256, 1), 0, 0);
}
