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
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => values[x] - values[y]);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const mean = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = mean;
    i = j + 1;
  }
  return ranks;
}

/** Spearman's rank correlation; 0 when either side is constant. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(averageRanks(a), averageRanks(b));
}

/**
 * Mean SSIM of two maps of `[H, W]` (a 1-D map is one row). Each map is min-max normalised to
 * [0, 1] (a constant map becomes zeros); the window is 7 x 7, or the largest odd size that fits.
 */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, shape: number[]): number {
  const [h, w] = shape.length >= 2 ? [shape[0], shape.slice(1).reduce((x, y) => x * y, 1)] : [1, shape[0]];
  const x = normalise(a);
  const y = normalise(b);
  const win = Math.max(1, oddAtMost(Math.min(7, Math.max(h, 1) === 1 ? w : Math.min(h, w))));
  const wh = h === 1 ? 1 : win;
  const ww = win;
  const count = wh * ww;
  const cov = count > 1 ? count / (count - 1) : 1;
  const c1 = (0.01 * 1) ** 2;
  const c2 = (0.03 * 1) ** 2;
  let total = 0;
  let windows = 0;
  for (let i = 0; i + wh <= h; i++) {
    for (let j = 0; j + ww <= w; j++) {
      let mx = 0;
      let my = 0;
      for (let u = 0; u < wh; u++) {
        for (let v = 0; v < ww; v++) {
          mx += x[(i + u) * w + j + v];
          my += y[(i + u) * w + j + v];
        }
      }
      mx /= count;
      my /= count;
      let vx = 0;
      let vy = 0;
      let vxy = 0;
      for (let u = 0; u < wh; u++) {
        for (let v = 0; v < ww; v++) {
          const dx = x[(i + u) * w + j + v] - mx;
          const dy = y[(i + u) * w + j + v] - my;
          vx += dx * dx;
          vy += dy * dy;
          vxy += dx * dy;
        }
      }
      vx = (vx / count) * cov;
      vy = (vy / count) * cov;
      vxy = (vxy / count) * cov;
      total += ((2 * mx * my + c1) * (2 * vxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
      windows++;
    }
  }
  return windows === 0 ? 0 : total / windows;
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
