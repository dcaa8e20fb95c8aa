/** Wall-clock timing of one batch computation, bounded by a time budget. */
import { tf } from '../core/engine/tf.ts';

export interface Timing {
  iterations: number;
  seconds: number;
  /** Mean milliseconds per call. */
  msPerCall: number;
}

/**
 * Runs `compute` once to warm up (kernel set-up, XNNPACK operator caches), then repeatedly until
 * `budget` seconds have passed or `maxIterations` calls ran; each result is read back, so lazy
 * backends finish their work inside the timed region.
 */
export async function measure(
  compute: () => tf.Tensor | Promise<tf.Tensor>,
  budget: number,
  maxIterations = 50,
): Promise<Timing> {
  const once = async () => {
    const t = await compute();
    await t.data();
    t.dispose();
  };
  await once();
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budget * 1000 && iterations < maxIterations) {
    await once();
    iterations++;
    elapsed = performance.now() - start;
  }
  return { iterations, seconds: elapsed / 1000, msPerCall: elapsed / iterations };
}
