import { basename, join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';
import { encodePng, type RgbaImage } from '../io/images.ts';
import { colorize, grey, hot } from '../render/colormap.ts';
import { tileGrid } from '../render/tiles.ts';
import { type MapBatch, sampleOf } from './measures.ts';

/** At most this many samples are drawn, so a batch-wide failure stays one readable image. */
const MAX_ROWS = 16;

/**
 * Draws one row per failing sample: the input (when it is an image `[N, H, W, 1|3]`), then its
 * map in the `hot` colour map scaled to the sample's own largest |value|, with the mask's outline
 * (when given) drawn in cyan just outside it. Writes the PNG as `dir/<caller>.<label>.png`; returns its path.
 */
export function writeFailurePng(args: {
  dir: string;
  caller?: string;
  label: string;
  samples: number[];
  maps: MapBatch;
  inputs?: MapBatch;
  inside?: (sample: number) => Uint8Array;
}): string {
  const rows = args.samples.slice(0, MAX_ROWS).map((i) => {
    const tiles: RgbaImage[] = [];
    const input = args.inputs && inputTile(args.inputs, i);
    if (input) tiles.push(input);
    tiles.push(mapTile(args.maps, i, args.inside?.(i)));
    return tiles;
  });
  const image = tileGrid(rows, { scale: scaleFor(args.maps.shape[1] ?? 1), gap: 2 });
  const stem = args.caller ? basename(args.caller).replace(/\.[cm]?[jt]sx?$/, '') : 'attribution';
  const path = join(args.dir, `${stem}.${args.label.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-(?=\.|$)/g, '')}.png`);
  writeFileAtomic(path, encodePng(image));
  return path;
}

/** Small maps are magnified so a 28x28 map is about 112 pixels across. */
function scaleFor(height: number): number {
  return Math.max(1, Math.min(8, Math.floor(112 / Math.max(1, height))));
}

/** `[H, W]` of a map sample, collapsing trailing axes by their largest |value|. */
function planeOf(batch: MapBatch, i: number): { h: number; w: number; values: Float32Array; rest: number } {
  const [, h = 1, w = 1] = batch.shape.length >= 3 ? batch.shape : [batch.shape[0], 1, batch.shape[1] ?? 1];
  const sample = sampleOf(batch, i);
  const rest = sample.length / (h * w);
  const values = new Float32Array(h * w);
  for (let p = 0; p < h * w; p++) {
    let m = 0;
    for (let c = 0; c < rest; c++) m = Math.max(m, Math.abs(sample[p * rest + c]));
    values[p] = m;
  }
  return { h, w, values, rest };
}

function mapTile(maps: MapBatch, i: number, inside?: Uint8Array): RgbaImage {
  const { h, w, values, rest } = planeOf(maps, i);
  const data = colorize(values, hot, { min: 0 });
  if (inside) {
    const at = (y: number, x: number) => y >= 0 && y < h && x >= 0 && x < w && inside[(y * w + x) * rest] === 1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        // The outline is drawn just outside the mask, so the map inside stays visible.
        const edge = !at(y, x) && (at(y - 1, x) || at(y + 1, x) || at(y, x - 1) || at(y, x + 1));
        if (edge) data.set([0, 255, 255, 255], (y * w + x) * 4);
      }
    }
  }
  return { width: w, height: h, data };
}

function inputTile(inputs: MapBatch, i: number): RgbaImage | undefined {
  const [, h, w, c] = inputs.shape;
  if (inputs.shape.length !== 4 || (c !== 1 && c !== 3)) return undefined;
  const sample = sampleOf(inputs, i);
  if (c === 1) return { width: w, height: h, data: colorize(sample, grey) };
  let min = Infinity;
  let max = -Infinity;
  for (const v of sample) [min, max] = [Math.min(min, v), Math.max(max, v)];
  const span = max > min ? max - min : 1;
  const data = new Uint8Array(h * w * 4);
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < 3; k++) data[p * 4 + k] = Math.round((255 * (sample[p * 3 + k] - min)) / span);
    data[p * 4 + 3] = 255;
  }
  return { width: w, height: h, data };
}
