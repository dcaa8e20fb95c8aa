/**
 * Spearman rank correlation between two maps of the same size: the Pearson correlation of
 * their ranks, ties sharing their average rank. 1 when both order pixels alike, -1 reversed,
 * NaN when either map is constant.
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`spearman: sizes differ (${a.length} vs ${b.length})`);
  return pearson(ranks(a), ranks(b));
}

/** Ranks 1..n, ties get the mean of the ranks they span. */
export function ranks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((i, j) => values[i] - values[j]);
  const out = new Float64Array(n);
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    const rank = (start + end + 1) / 2;
    for (let k = start; k < end; k++) out[order[k]] = rank;
    start = end;
  }
  return out;
}

function pearson(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** The symmetric matrix of pairwise correlations between maps (diagonal 1). */
export function agreementMatrix(maps: ArrayLike<number>[]): number[][] {
  const r = maps.map((m) => ranks(m));
  return r.map((ri, i) => r.map((rj, j) => (i === j ? 1 : j < i ? NaN : pearson(ri, rj))))
    .map((row, i, all) => row.map((v, j) => (j < i ? all[j][i] : v)));
}

/** 1 - the mean off-diagonal correlation: 0 when methods agree, up to 2 when reversed. */
export function disagreement(matrix: number[][]): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < matrix.length; i++) {
    for (let j = i + 1; j < matrix.length; j++) {
      if (Number.isFinite(matrix[i][j])) {
        sum += matrix[i][j];
        count++;
      }
    }
  }
  return count === 0 ? 0 : 1 - sum / count;
}
