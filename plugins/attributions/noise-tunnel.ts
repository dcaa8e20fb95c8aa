import { z } from 'zod';
import {
  type AttributionInput,
  type AttributionOutput,
  type AttributionPlugin,
  GradlensError,
  maxBatchOption,
  type MethodCost,
  MethodRef,
  mixSeed,
  repeatPasses,
  type ResolvedMethodRef,
  resolveMaxBatch,
  seedOrRandom,
  sumPasses,
  tf,
  type WrappedMethod,
} from '../../core/index.ts';
import { vanillaGradient } from './vanilla-gradient.ts';

/**
 * Shared by `smoothgrad`, `smoothgrad-squared` and `vargrad` (not a plugin itself): a `base`
 * method (the gradient by default; any method that needs gradients) evaluated at `samples` noisy
 * copies x + e, e ~ N(0, sigma^2), sigma = noise * (max(x) - min(x)) per sample (Smilkov et al.
 * 2017), as Captum's NoiseTunnel wraps any method.
 */
/** The noise tunnel's options (see the schema's descriptions). */
export interface NoiseTunnelOptions {
  /** Given as written; the planner records it in full, `{ plugin, options }`. */
  base?: string | ResolvedMethodRef;
  samples: number;
  noise: number;
  seed?: number;
  maxBatch?: number;
}

export const NoiseTunnelOptions: z.ZodType<NoiseTunnelOptions> = z
  .object({
    base: MethodRef.optional().describe(
      "method evaluated on the noisy copies (default 'vanilla-gradient'): a name, or { plugin, options }",
    ),
    samples: z.number().int().positive().default(50).describe('noisy copies per input'),
    noise: z
      .number()
      .nonnegative()
      .default(0.15)
      .describe("noise std dev as a fraction of each input's range (max - min)"),
    seed: z.number().int().optional().describe('seed for the noise (default: drawn once per run and recorded)'),
    maxBatch: maxBatchOption,
  })
  .strict();

/** What the three noise-tunnel plugins share: their options, wrapped base, seed and cost. */
export const noiseTunnelPlugin: Pick<
  AttributionPlugin<NoiseTunnelOptions>,
  'options' | 'needs' | 'wraps' | 'seeded' | 'cost'
> = {
  options: NoiseTunnelOptions,
  needs: ['gradients'],
  wraps: { base: { default: vanillaGradient, requires: ['gradients'] } },
  seeded: () => true,
  cost: (o, _shape, wrapped?: Record<string, MethodCost>) => ({
    forward: o.samples * (wrapped?.base?.forward ?? 1),
    backward: o.samples * (wrapped?.base?.backward ?? 1),
  }),
};

/** Which statistic of the base's noisy maps m_k a method returns, per input element. */
export type NoiseStatistic = 'mean' | 'mean-square' | 'variance';

/**
 * The statistic over the base's maps at the noisy copies, of the input's shape: `mean`
 * (SmoothGrad), `mean-square` (SmoothGrad-Squared) or population `variance` E[m^2] - E[m]^2
 * (VarGrad, clamped at 0 against rounding). Noise for copy k of sample i comes from seed
 * (seed, k, i), so it does not depend on how the work is chunked under `maxBatch`. A base whose
 * maps depend on a seed of its own is called once per copy on the whole batch, with the seed
 * (its seed, k), so its maps do not depend on chunking either; other bases take copies and
 * samples stacked, at most `maxBatch` inputs per call.
 */
export async function noiseTunnel(
  input: AttributionInput,
  options: NoiseTunnelOptions,
  statistic: NoiseStatistic,
): Promise<AttributionOutput> {
  const base = input.wrapped?.base;
  if (!base) {
    throw new GradlensError('the noise tunnel needs its base method bound; compute it through a run or attribute()');
  }
  const { x } = input;
  const n = x.shape[0];
  const seed = seedOrRandom(options.seed);
  const sampleShape = x.shape.slice(1);
  const sigma = tf.tidy(() => {
    const flat = tf.reshape(x, [n, -1]);
    const range = tf.sub(tf.max(flat, 1), tf.min(flat, 1));
    return tf.reshape(tf.mul(range, options.noise), [n, ...sampleShape.map(() => 1)]);
  });
  const squares = statistic !== 'mean';
  // Per block of samples: the sum of the base's maps over the copies (and of their squares).
  const blocks: tf.Tensor[][] = [];
  try {
    const plan = base.seeded
      ? [{ start: 0, size: n, perCall: 1 }]
      : stackedBlocks(n, resolveMaxBatch(x, options.maxBatch));
    for (const block of plan) {
      let acc: tf.Tensor[] | undefined;
      try {
        for (let pass = 0; pass < options.samples; pass += block.perCall) {
          const passes = Math.min(block.perCall, options.samples - pass);
          const copies = tf.tidy(() => noisyCopies(input, sigma, seed, block.start, block.size, pass, passes));
          let out: AttributionOutput | undefined;
          try {
            out = await callBase(base, { ...input, ...copies, wrapped: undefined }, seededPass(base, seed, pass));
            const maps = out.map;
            const parts = tf.tidy(() => [
              passes === 1 ? maps.clone() : sumPasses(maps, passes),
              ...(squares ? [sumPasses(tf.square(maps), passes)] : []),
            ]);
            const previous = acc;
            acc = previous ? tf.tidy(() => previous.map((a, i) => tf.add(a, parts[i]))) : parts;
            if (previous) tf.dispose([...previous, ...parts]);
          } finally {
            tf.dispose([copies.x, copies.targets, ...Object.values(copies.extra ?? {})]);
            if (out) tf.dispose([out.map, ...Object.values(out.perSample ?? {})]);
          }
        }
      } catch (error) {
        if (acc) tf.dispose(acc);
        throw error;
      }
      blocks.push(acc!);
    }
    const map = tf.tidy(() => {
      const [sum, sumSquares] = blocks.length === 1
        ? blocks[0]
        : blocks[0].map((_, i) => tf.concat(blocks.map((b) => b[i]), 0));
      const k = options.samples;
      if (statistic === 'mean') return tf.div(sum, k);
      if (statistic === 'mean-square') return tf.div(sumSquares, k);
      return tf.relu(tf.sub(tf.div(sumSquares, k), tf.square(tf.div(sum, k))));
    });
    return { map };
  } finally {
    tf.dispose([sigma, ...blocks.flat()]);
  }
}

/** The seed of copy `pass` for a base with a seed of its own (others take none). */
function seededPass(base: WrappedMethod, seed: number, pass: number): number | undefined {
  return base.seeded ? mixSeed(base.seed ?? seed, pass) : undefined;
}

/** Blocks of samples and how many copies of them one call takes: at most `maxBatch` inputs. */
function stackedBlocks(n: number, maxBatch: number): { start: number; size: number; perCall: number }[] {
  const rows = Math.max(1, Math.min(n, maxBatch));
  const perCall = Math.max(1, Math.floor(maxBatch / rows));
  const blocks = [];
  for (let start = 0; start < n; start += rows) blocks.push({ start, size: Math.min(rows, n - start), perCall });
  return blocks;
}

/**
 * Copies `pass .. pass + passes` of samples `start .. start + size`, pass-major
 * (`[passes * size, ...]`), with their targets and extra arrays repeated alike.
 */
function noisyCopies(
  input: AttributionInput,
  sigma: tf.Tensor,
  seed: number,
  start: number,
  size: number,
  pass: number,
  passes: number,
): { x: tf.Tensor; targets: tf.Tensor; extra?: Record<string, tf.Tensor> } {
  const sampleShape = input.x.shape.slice(1);
  const noise: tf.Tensor[] = [];
  for (let k = pass; k < pass + passes; k++) {
    for (let i = start; i < start + size; i++) {
      noise.push(tf.randomNormal([1, ...sampleShape], 0, 1, 'float32', mixSeed(seed, k, i)));
    }
  }
  // [passes, size, ...] with x and sigma broadcast over the passes (no tiled copies of them).
  const e = tf.reshape(noise.length === 1 ? noise[0] : tf.concat(noise, 0), [passes, size, ...sampleShape]);
  const scale = tf.expandDims(tf.slice(sigma, start, size), 0);
  const xs = tf.slice(input.x, start, size);
  const noisy = tf.reshape(tf.add(tf.expandDims(xs, 0), tf.mul(e, scale)), [-1, ...sampleShape]);
  const repeat = (t: tf.Tensor) => repeatPasses(tf.slice(t, start, size), passes);
  return {
    x: noisy,
    targets: repeat(input.targets),
    extra: input.extra && Object.fromEntries(Object.entries(input.extra).map(([k, t]) => [k, repeat(t)])),
  };
}

function callBase(base: WrappedMethod, input: AttributionInput, seed: number | undefined): Promise<AttributionOutput> {
  return base.attribute(input, seed === undefined ? undefined : { seed });
}
