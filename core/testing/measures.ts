/**
 * Per-sample measures on attribution maps held as plain arrays. Maps are compared by magnitude:
 * every measure uses |value|, so signed maps (gradient x input) count evidence for and against
 * a class alike.
 */

/** Maps `[N, ...]` as one row-major float array. */
export interface MapBatch {
  data: Float32Array;
  shape: number[];
}

export function sampleSize(maps: MapBatch): number {
  return maps.shape.slice(1).reduce((a, b) => a * b, 1);
}

export function sampleOf(maps: MapBatch, i: number): Float32Array {
  const size = sampleSize(maps);
  return maps.data.subarray(i * size, (i + 1) * size);
}

/**
 * Share of a map's total |value| that lies where `inside` is 1, in [0, 1]. NaN when the map is
 * all zeros (there is no mass to locate, which no bound should accept).
 */
export function massFraction(map: Float32Array, inside: Uint8Array): number {
  let total = 0;
  let within = 0;
  for (let i = 0; i < map.length; i++) {
    const v = Math.abs(map[i]);
    total += v;
    if (inside[i]) within += v;
  }
  return total > 0 ? within / total : NaN;
}

/** How many of the `k` largest |values| lie inside (ties broken by position, first wins). */
export function topKInside(map: Float32Array, inside: Uint8Array, k: number): number {
  const order = Array.from(map.keys()).sort((a, b) => Math.abs(map[b]) - Math.abs(map[a]) || a - b);
  let count = 0;
  for (const i of order.slice(0, k)) if (inside[i]) count++;
  return count;
}

/**
 * The largest |a - b| of one sample, relative to the largest |b| (the reference map), so the
 * tolerance does not depend on the method's scale. 0 when both are all zeros; Infinity when
 * only `b` is.
 */
export function relativeMaxDifference(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  if (Number.isNaN(diff)) return NaN;
  if (scale === 0) return diff === 0 ? 0 : Infinity;
  return diff / scale;
}
