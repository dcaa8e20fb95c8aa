/**
 * Which of a run's methods the what-if engine answers an edit with at once. (The engine rebuilds
 * the run's plan from its manifest with core's planFromManifest, seeds included, so an edit is
 * explained the way the run's own batches were.)
 */
import type { Manifest } from '../../../core/index.ts';

/**
 * Methods an edit is answered with at once: those that declare a cost of a few model passes per
 * sample (gradients, Grad-CAM, gradient x input). Integrated gradients, SmoothGrad, occlusion and
 * other many-pass methods are computed only when an edit is saved.
 */
export const FAST_PASSES = 4;

export function isFast(method: Manifest['methods'][number]): boolean {
  return method.cost !== undefined && method.cost.forward + method.cost.backward <= FAST_PASSES;
}
