/** Wall-clock timing of batch computations, bounded by a time budget. */
import type { tf } from '../core/tensor/tf.ts';

/**
 * Runs `compute` once untimed (kernel set-up, operator and primitive caches, and whatever the
 * other side of the interleaving left in the caches), then times calls until `budget` seconds
 * have passed or `maxIterations` calls ran (at least one). Each result is read back, so lazy
 * backends finish their work inside the timed region. Returns the milliseconds of each call.
 */
export async function timeCalls(
  compute: () => tf.Tensor | Promise<tf.Tensor>,
  budget: number,
  maxIterations = 20,
): Promise<number[]> {
  const once = async () => {
    const t = await compute();
    await t.data();
    t.dispose();
  };
  await once();
  const ms: number[] = [];
  let total = 0;
  while (ms.length === 0 || (total < budget * 1000 && ms.length < maxIterations)) {
    const start = performance.now();
    await once();
    ms.push(performance.now() - start);
    total += ms[ms.length - 1];
  }
  return ms;
}

export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
