/** What the localisation metrics share: the mask of each sample, read from a dataset extra array. */
import { z } from 'zod';
import { GradlensError, type MetricInput } from '../../core/index.ts';

/** The `mask` option: the name of the dataset's extra array holding one mask per sample. */
export const MaskOption: z.ZodDefault<z.ZodString> = z.string().min(1).default('mask').describe(
  "the dataset's extra array holding each sample's mask (non-zero inside), shaped like a map",
);

/** Maps `[N, D]` and masks `[N, D]` (1 inside, 0 outside) of a batch. */
export async function mapsAndMasks(
  input: MetricInput,
  name: string,
): Promise<{ n: number; d: number; maps: Float32Array; inside: Uint8Array }> {
  const n = input.maps.shape[0];
  const d = input.maps.size / n;
  const mask = input.extra[name];
  if (!mask || mask.size !== n * d) {
    throw new GradlensError(`the batch has no mask '${name}' of ${d} entries per sample`, {
      where: `metric on '${input.method}'`,
    });
  }
  const m = await mask.data();
  return {
    n,
    d,
    maps: (await input.maps.data()) as Float32Array,
    inside: Uint8Array.from(m as ArrayLike<number>, (v) => (v > 0.5 ? 1 : 0)),
  };
}
