import { z } from 'zod';
import { tf } from '../tensor/tf.ts';
import type { ChannelReduction } from '../plugins/types.ts';

/** How a map of shape `[N, H, W, C]` becomes `[N, H, W]` (see {@link ChannelReduction}). */
export const ChannelReductionSchema: z.ZodType<ChannelReduction, ChannelReduction> = z.enum([
  'max',
  'sum',
  'l2',
  'none',
]);

/** The conventions applied to a method's raw map; recorded in the run manifest. */
export interface Conventions {
  /** Absolute value taken before the channel reduction. */
  abs: boolean;
  /** How the last (channel) axis of `[N, H, W, C]` maps is reduced. */
  reduce: ChannelReduction;
}
export const Conventions: z.ZodType<Conventions, Conventions> = z.object({
  abs: z.boolean(),
  reduce: ChannelReductionSchema,
});

/**
 * Applies `abs` then the channel reduction to a map `[N, H, W, C]`, giving `[N, H, W]`
 * (`none` keeps the shape). Maps `[N, T, F]` of sequence models are reduced over F the same way.
 * `max` of absolute values is the saliency of Simonyan et al. (2014); `l2` is the Euclidean norm
 * over channels; `sum` keeps the sign when `abs` is off.
 */
export function applyConventions(map: tf.Tensor, conventions: Conventions): tf.Tensor {
  return tf.tidy(() => {
    const m = conventions.abs ? tf.abs(map) : map;
    const axis = m.rank - 1;
    switch (conventions.reduce satisfies ChannelReduction) {
      case 'none':
        return m.clone();
      case 'max':
        return tf.max(m, axis);
      case 'sum':
        return tf.sum(m, axis);
      case 'l2':
        return tf.sqrt(tf.sum(tf.square(m), axis));
    }
  });
}

/**
 * The conventions a run uses for one method: what the user asked for, else the method's
 * defaults, else abs for unsigned methods and `max` over channels for image inputs (`none` for
 * sequences `[N, T, F]`, whose features are kept).
 */
export function resolveConventions(
  method: { signed: boolean; defaults?: { abs?: boolean; reduce?: ChannelReduction } },
  requested: Partial<Conventions>,
  inputRank: number,
): Conventions {
  const abs = requested.abs ?? method.defaults?.abs ?? !method.signed;
  const fallback: ChannelReduction = inputRank >= 4 ? (abs ? 'max' : 'sum') : 'none';
  return { abs, reduce: requested.reduce ?? method.defaults?.reduce ?? fallback };
}
