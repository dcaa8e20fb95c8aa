/**
 * What the sample view derives from one sample: its most probable classes, and the display range
 * of each of its maps on one shared scale or each on its own. Pure, shared by the page and tests.
 */
import { displayRange, type ValueRange } from './normalise.ts';

/** The `k` most probable classes, most probable first (ties by class index). */
export function topClasses(probabilities: readonly number[], k = 5): { index: number; p: number }[] {
  return probabilities
    .map((p, index) => ({ index, p }))
    .sort((a, b) => b.p - a.p || a.index - b.index)
    .slice(0, k);
}

/**
 * One range per map. `each`: every map on its own range. `shared`: one scale for the sample,
 * every unsigned map on the widest of their ranges and every signed map on the widest symmetric
 * one, so equal colours mean equal values across methods of the same kind.
 */
export function sampleRanges(
  maps: { plane: ArrayLike<number>; signed: boolean }[],
  scale: 'shared' | 'each',
  clip: number,
): ValueRange[] {
  const own = maps.map((m) => displayRange(m.plane, m.signed, clip));
  if (scale === 'each') return own;
  let lo = Infinity;
  let hi = -Infinity;
  let abs = 0;
  own.forEach((r, i) => {
    if (!Number.isFinite(r.lo) || !Number.isFinite(r.hi)) return;
    if (maps[i].signed) abs = Math.max(abs, Math.abs(r.lo), Math.abs(r.hi));
    else {
      lo = Math.min(lo, r.lo);
      hi = Math.max(hi, r.hi);
    }
  });
  return maps.map((m, i) => {
    if (m.signed) return abs > 0 ? { lo: -abs, hi: abs } : own[i];
    return Number.isFinite(lo) && hi > lo ? { lo, hi } : own[i];
  });
}
