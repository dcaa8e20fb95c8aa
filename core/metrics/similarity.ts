/**
 * Similarity of two maps, as the randomisation checks use it: Spearman's rank correlation
 * (ties share their mean rank), Pearson's correlation, and the structural similarity index (SSIM,
 * Wang et al. 2004) over a uniform 7 x 7 window with K1 = 0.01, K2 = 0.03, both maps min-max
 * normalised to [0, 1] first (scikit-image's `structural_similarity` defaults, as Adebayo et al.
 * used them).
 */

/** Pearson's correlation; 0 when either side is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

/** Ranks from 1, ties given their mean rank. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const v = Float64Array.from(values as ArrayLike<number>);
  const order = sortedOrder(v);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && v[order[j + 1]] === v[order[i]]) j++;
    const mean = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = mean;
    i = j + 1;
  }
  return ranks;
}

/**
 * Indices of `v` in ascending order. Below 2^20 values, each value's float32 bits (made
 * order-preserving) and its index are packed into one exact float64 and sorted natively, several
 * times faster than a comparator sort.
 */
function sortedOrder(v: Float64Array): Uint32Array {
  const n = v.length;
  const order = new Uint32Array(n);
  if (n >= 1 << 20) {
    for (let i = 0; i < n; i++) order[i] = i;
    return order.sort((x, y) => v[x] - v[y]);
  }
  const f = new Float32Array(1);
  const bits = new Uint32Array(f.buffer);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    f[0] = v[i];
    const b = bits[0];
    const key = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    keys[i] = key * 1048576 + i;
  }
  keys.sort();
  for (let i = 0; i < n; i++) order[i] = keys[i] % 1048576;
  return order;
}

/** Spearman's rank correlation; 0 when either side is constant. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(averageRanks(a), averageRanks(b));
}

/**
 * Mean SSIM of two maps of `[H, W]` (a 1-D map is one row). Each map is min-max normalised to
 * [0, 1] (a constant map becomes zeros); the window is 7 x 7, or the largest odd size that fits.
 * Window sums come from summed-area tables, so the cost is linear in the map's size.
 */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, shape: number[]): number {
  const [h, w] = shape.length >= 2 ? [shape[0], shape.slice(1).reduce((x, y) => x * y, 1)] : [1, shape[0]];
  const x = normalise(a);
  const y = normalise(b);
  const ww = Math.max(1, oddAtMost(Math.min(7, h === 1 ? w : Math.min(h, w))));
  const wh = h === 1 ? 1 : ww;
  const count = wh * ww;
  const cov = count > 1 ? count / (count - 1) : 1;
  const c1 = 0.01 ** 2;
  const c2 = 0.03 ** 2;
  const [tx, ty, txx, tyy, txy] = [x, y, x.map((v) => v * v), y.map((v) => v * v), x.map((v, i) => v * y[i])].map(
    (t) => summedArea(t, h, w),
  );
  const box = (t: Float64Array, i: number, j: number) =>
    t[(i + wh) * (w + 1) + j + ww] - t[i * (w + 1) + j + ww] - t[(i + wh) * (w + 1) + j] + t[i * (w + 1) + j];
  let total = 0;
  let windows = 0;
  for (let i = 0; i + wh <= h; i++) {
    for (let j = 0; j + ww <= w; j++) {
      const mx = box(tx, i, j) / count;
      const my = box(ty, i, j) / count;
      const vx = (box(txx, i, j) / count - mx * mx) * cov;
      const vy = (box(tyy, i, j) / count - my * my) * cov;
      const vxy = (box(txy, i, j) / count - mx * my) * cov;
      total += ((2 * mx * my + c1) * (2 * vxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
      windows++;
    }
  }
  return windows === 0 ? 0 : total / windows;
}

/** Summed-area table `[(h + 1) x (w + 1)]` of `t` `[h, w]`. */
function summedArea(t: Float64Array, h: number, w: number): Float64Array {
  const out = new Float64Array((h + 1) * (w + 1));
  for (let i = 0; i < h; i++) {
    let row = 0;
    for (let j = 0; j < w; j++) {
      row += t[i * w + j];
      out[(i + 1) * (w + 1) + j + 1] = out[i * (w + 1) + j + 1] + row;
    }
  }
  return out;
}

function oddAtMost(n: number): number {
  return n % 2 === 1 ? n : n - 1;
}

function normalise(a: ArrayLike<number>): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    lo = Math.min(lo, a[i]);
    hi = Math.max(hi, a[i]);
  }
  const out = new Float64Array(a.length);
  if (hi > lo) { for (let i = 0; i < a.length; i++) out[i] = (a[i] - lo) / (hi - lo); }
  return out;
}
