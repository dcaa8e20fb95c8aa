/**
 * Value ranges for display. Unsigned maps span [0, p-th percentile] (or [min, p] when they go
 * below zero); signed maps span [-m, m] with m the p-th percentile of |v|, so zero sits in the
 * middle of a diverging colour map. Percentile clipping keeps one hot pixel from washing out
 * the rest (default: the 99th).
 */
export interface ValueRange {
  lo: number;
  hi: number;
}

/** The p-th percentile (0-100, linear interpolation) of finite values; NaN when there are none. */
export function percentile(values: ArrayLike<number>, p: number): number {
  const a = new Float32Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) a[n++] = v;
  }
  if (n === 0) return NaN;
  const pos = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
  const lower = Math.floor(pos);
  const lo = select(a, n, lower);
  if (pos === lower) return lo;
  // After selecting `lower`, the next order statistic is the minimum of the right part.
  let next = Infinity;
  for (let i = lower + 1; i < n; i++) if (a[i] < next) next = a[i];
  return lo + (next - lo) * (pos - lower);
}

/** k-th smallest of a[0..n) by quickselect (reorders `a`). */
function select(a: Float32Array, n: number, k: number): number {
  let left = 0;
  let right = n - 1;
  while (right > left) {
    const pivot = a[(left + right) >> 1];
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return a[k];
  }
  return a[k];
}

/** The display range of `values` (one map, or a whole column when normalising per column). */
export function displayRange(values: ArrayLike<number>, signed: boolean, clip = 99): ValueRange {
  if (signed) {
    const abs = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) abs[i] = Math.abs(values[i]);
    const m = percentile(abs, clip);
    return widen({ lo: -m, hi: m });
  }
  let min = Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] < min) min = values[i];
  return widen({ lo: Math.min(0, min), hi: percentile(values, clip) });
}

/** Avoids a zero-width (or NaN) range, which would divide by zero. */
function widen(r: ValueRange): ValueRange {
  if (!Number.isFinite(r.lo) || !Number.isFinite(r.hi)) return { lo: 0, hi: 1 };
  if (r.hi > r.lo) return r;
  return r.lo === 0 ? { lo: 0, hi: 1 } : { lo: r.lo - Math.abs(r.lo), hi: r.hi + Math.abs(r.hi) };
}

/** Position of v in the range, clamped to [0, 1]; NaN maps to 0. */
export function unit(v: number, r: ValueRange): number {
  const t = (v - r.lo) / (r.hi - r.lo);
  return t > 1 ? 1 : t >= 0 ? t : 0;
}
