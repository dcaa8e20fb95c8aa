import { z } from 'zod';
import {
  type AttributionPlugin,
  maskedScores,
  maxBatchOption,
  requireImages,
  resolveMaxBatch,
  sumOverPasses,
  targetScores,
  tf,
} from '../../core/index.ts';

/** Occlusion's options (see the schema's descriptions). */
export interface OcclusionOptions {
  window: number;
  stride?: number;
  baseline: number;
  maxBatch?: number;
}

const Options: z.ZodType<OcclusionOptions> = z
  .object({
    window: z.number().int().positive().default(4).describe('side of the square occluding window, in pixels'),
    stride: z.number().int().positive().optional().describe('step between windows, in pixels (default: window)'),
    baseline: z.number().default(0).describe('value the window is set to, in all channels'),
    maxBatch: maxBatchOption,
  })
  .strict();

/** Window starts along one axis of `size`: every `stride`, plus one flush with the far edge. */
function starts(size: number, window: number, stride: number): number[] {
  const last = Math.max(0, size - window);
  const out: number[] = [];
  for (let s = 0; s < last; s += stride) out.push(s);
  out.push(last);
  return out;
}

/**
 * Occlusion (Zeiler & Fergus 2014): the drop of the class score S_c(x) - S_c(x with a window set
 * to `baseline`), for square windows slid with `stride`; a pixel's value is the mean drop over
 * the windows covering it (0 where none does, when stride > window), repeated over channels so
 * the map has the input's shape `[N, H, W, C]`. Signed. Forward passes only, `maxBatch` at a time.
 */
export const occlusion: AttributionPlugin<OcclusionOptions> = {
  kind: 'attribution',
  name: 'occlusion',
  description: 'Mean drop of the class score when windows covering a pixel are occluded; forward passes only.',
  reference: 'Zeiler & Fergus 2014, Visualizing and Understanding Convolutional Networks',
  options: Options,
  needs: ['forward-only'],
  signed: true,
  defaults: { abs: false, reduce: 'max' },
  cost: (options, [h, w]) => {
    const window = Math.min(options.window, h, w);
    const stride = options.stride ?? window;
    return { forward: 1 + starts(h, window, stride).length * starts(w, window, stride).length, backward: 0 };
  },
  attribute: ({ model, x, targets, output }, options) => {
    requireImages(x, 'occlusion');
    const [n, h, w] = x.shape as number[];
    const window = Math.min(options.window, h, w);
    const stride = options.stride ?? window;
    const windows = starts(h, window, stride).flatMap((r) => starts(w, window, stride).map((c) => [r, c]));
    const windowMask = (k: number) => {
      const m = new Float32Array(h * w);
      const [r0, c0] = windows[k];
      for (let r = r0; r < r0 + window; r++) m.fill(1, r * w + c0, r * w + c0 + window);
      return m;
    };
    const coverage = new Float32Array(h * w);
    windows.forEach((_, k) => windowMask(k).forEach((v, i) => (coverage[i] += v)));
    const full = targetScores(model, x, targets, output);
    let sums: tf.Tensor[] = [];
    try {
      sums = sumOverPasses(n, windows.length, resolveMaxBatch(x, options.maxBatch), (chunk) => {
        const masks = new Float32Array(chunk.passes * h * w);
        for (let k = 0; k < chunk.passes; k++) masks.set(windowMask(chunk.pass + k), k * h * w);
        const occluders = tf.tensor3d(masks, [chunk.passes, h, w]);
        const t = tf.slice(targets, chunk.start, chunk.size);
        const scores = maskedScores(
          model,
          tf.slice(x, chunk.start, chunk.size),
          tf.sub(1, occluders),
          options.baseline,
          t,
          output,
        );
        const drops = tf.sub(tf.expandDims(tf.slice(full, chunk.start, chunk.size), 0), scores);
        return [tf.matMul(drops, tf.reshape(occluders, [chunk.passes, h * w]), true, false)];
      });
      return tf.tidy(() => {
        const mean = tf.div(sums[0], tf.maximum(tf.tensor1d(coverage), 1));
        return tf.broadcastTo(tf.reshape(mean, [n, h, w, 1]), x.shape);
      });
    } finally {
      tf.dispose([full, ...sums]);
    }
  },
};

export default occlusion;
