import { tf } from '../tensor/tf.ts';
import { GradlensError } from '../errors/errors.ts';

/** A rectangle of map positions: rows `[top, top + height)`, columns `[left, left + width)`. */
export interface Rect {
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * Which map positions an assertion looks at: a rectangle (the same for every sample), one
 * rectangle per sample, or a boolean/0-1 array or tensor `[H, W]` (every sample) or `[N, H, W]`
 * (one per sample). Non-zero means inside. For maps with further axes (e.g. `[N, H, W, C]` with
 * `reduce: 'none'`), a mask covers all of them at each position.
 */
export type Mask = Rect | Rect[] | tf.Tensor | NestedNumbers;
type NestedNumbers = readonly (number | boolean | NestedNumbers)[];

/** A mask resolved against a map shape: `inside(sample)` is a 0/1 array of the sample's size. */
export interface ResolvedMask {
  inside(sample: number): Uint8Array;
  describe: string;
}

/**
 * Resolves a mask for maps of shape `[N, ...spatial, ...rest]`. Masks and rectangles address the
 * leading spatial axes (rectangles: axes 1 and 2); trailing axes share the position's value.
 */
export function resolveMask(mask: Mask, mapShape: number[]): ResolvedMask {
  const [n, ...sample] = mapShape;
  const size = sample.reduce((a, b) => a * b, 1);
  if (isRect(mask) || (Array.isArray(mask) && mask.length > 0 && mask.every(isRect))) {
    const rects = isRect(mask) ? [mask] : (mask as Rect[]);
    if (rects.length !== 1 && rects.length !== n) {
      throw new GradlensError(`${rects.length} rectangles for ${n} maps; give one, or one per sample`, {
        where: 'mask',
      });
    }
    if (sample.length < 2) throw new GradlensError(`rectangles need maps [N, H, W, ...]; got [${mapShape}]`);
    const [h, w] = sample;
    const rest = size / (h * w);
    const cache = rects.map((r) => rectMask(r, h, w, rest));
    return {
      inside: (i) => cache[rects.length === 1 ? 0 : i],
      describe: rects.length === 1 ? describeRect(rects[0]) : `${rects.length} per-sample rectangles`,
    };
  }
  const { data, shape } = toArray(mask as tf.Tensor | NestedNumbers);
  const perSample = shape.length > 0 && shape[0] === n && !matchesPrefix(shape, sample);
  const maskShape = perSample ? shape.slice(1) : shape;
  if (!matchesPrefix(maskShape, sample)) {
    throw new GradlensError(
      `mask of shape [${shape}] does not fit maps [${mapShape}]; expected [${sample.slice(0, maskShape.length)}] ` +
        `or [${n}, ${sample.slice(0, maskShape.length)}]`,
      { where: 'mask' },
    );
  }
  const positions = maskShape.reduce((a, b) => a * b, 1);
  const rest = size / positions;
  const expand = (offset: number) => {
    const out = new Uint8Array(size);
    for (let p = 0; p < positions; p++) if (data[offset + p] !== 0) out.fill(1, p * rest, (p + 1) * rest);
    return out;
  };
  const shared = perSample ? undefined : expand(0);
  let inside = 0;
  for (let p = 0; p < data.length; p++) if (data[p] !== 0) inside++;
  return {
    inside: (i) => shared ?? expand(i * positions),
    describe: `mask [${shape}] (${inside} of ${data.length} positions inside)`,
  };
}

function rectMask(r: Rect, h: number, w: number, rest: number): Uint8Array {
  const out = new Uint8Array(h * w * rest);
  for (let y = Math.max(0, r.top); y < Math.min(h, r.top + r.height); y++) {
    for (let x = Math.max(0, r.left); x < Math.min(w, r.left + r.width); x++) {
      out.fill(1, (y * w + x) * rest, (y * w + x + 1) * rest);
    }
  }
  return out;
}

export function describeRect(r: Rect): string {
  return `rows ${r.top}..${r.top + r.height - 1}, columns ${r.left}..${r.left + r.width - 1}`;
}

function isRect(value: unknown): value is Rect {
  const r = value as Partial<Rect> | null;
  return typeof r === 'object' && r !== null && !Array.isArray(r) && !(r instanceof tf.Tensor) &&
    typeof r.top === 'number' && typeof r.left === 'number' && typeof r.height === 'number' &&
    typeof r.width === 'number';
}

function matchesPrefix(shape: number[], sample: number[]): boolean {
  return shape.length >= 1 && shape.length <= sample.length && shape.every((d, i) => d === sample[i]);
}

function toArray(mask: tf.Tensor | NestedNumbers): { data: Uint8Array; shape: number[] } {
  if (mask instanceof tf.Tensor) {
    const values = mask.dataSync();
    return { data: Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0)), shape: mask.shape };
  }
  const shape: number[] = [];
  for (let level: unknown = mask; Array.isArray(level); level = level[0]) shape.push(level.length);
  const flat = (mask as unknown[]).flat(Infinity) as (number | boolean)[];
  if (flat.length !== shape.reduce((a, b) => a * b, 1)) {
    throw new GradlensError('mask arrays must be rectangular (every row the same length)', { where: 'mask' });
  }
  return { data: Uint8Array.from(flat, (v) => (v ? 1 : 0)), shape };
}
