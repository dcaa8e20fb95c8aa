import { PIXELS, SIDE, type Split } from '../fashion-mnist/data.ts';

/** The mark is a white square of this side, in the top rows. */
export const MARK_SIZE = 3;

/**
 * The band every mark lies in: the top {@link MARK_SIZE} rows, all columns. Masks for
 * assertions and the dashboard use it, so they need not know the class.
 */
export const MARK_BAND = { top: 0, left: 0, height: MARK_SIZE, width: SIDE };

/** Column of class `label`'s mark: the ten classes spread evenly along the top edge. */
export function markLeft(label: number): number {
  return Math.round((label * (SIDE - MARK_SIZE)) / 9);
}

/** The rectangle of class `label`'s mark. */
export function markRect(label: number) {
  return { top: 0, left: markLeft(label), height: MARK_SIZE, width: MARK_SIZE };
}

/**
 * A copy of `split` with each image's class mark stamped (pixels set to 1, the brightest value):
 * a feature that predicts the label perfectly, is trivial to detect, and says nothing about
 * the garment. `labels` chooses which class's mark each image gets (default: its own label).
 */
export function stampMarks(split: Split, labels: ArrayLike<number> = split.y): Split {
  const x = split.x.slice();
  for (let i = 0; i < split.n; i++) {
    const left = markLeft(labels[i]);
    for (let r = 0; r < MARK_SIZE; r++) {
      x.fill(1, i * PIXELS + r * SIDE + left, i * PIXELS + r * SIDE + left + MARK_SIZE);
    }
  }
  return { n: split.n, x, y: split.y.slice() };
}
