import { z } from 'zod';
import { tf } from '../tensor/tf.ts';

/**
 * Default budget of model inputs held by one call: 8 MiB of float32 values. The activations a
 * backward pass keeps are commonly tens of times the input's size, so the input budget stays
 * small: at 224x224x3 it allows 13 evaluations (MobileNetV2 with 111 at once exhausted the wasm
 * heap), while 28x28 inputs still reach the cap.
 */
export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
/** The most evaluations a default chunk holds, however small the input. */
export const DEFAULT_MAX_BATCH_CAP = 1024;

/**
 * The `maxBatch` option every multi-pass method shares: the most model evaluations (inputs)
 * in one forward/backward call. Left out, it follows from the input size ({@link resolveMaxBatch}).
 */
export const maxBatchOption: z.ZodOptional<z.ZodNumber> = z
  .number()
  .int()
  .positive()
  .optional()
  .describe('most model evaluations in one call (default: as many inputs as fit in 8 MiB, at most 1024)');

/**
 * `maxBatch` for a batch `x` `[N, ...]`: the user's value, else as many float32 inputs of one
 * sample's size as fit in {@link DEFAULT_CHUNK_BYTES} (at least 1, at most {@link DEFAULT_MAX_BATCH_CAP}).
 */
export function resolveMaxBatch(x: tf.Tensor, requested?: number): number {
  if (requested !== undefined) return requested;
  const sampleBytes = 4 * x.shape.slice(1).reduce((a, b) => a * b, 1);
  return Math.max(1, Math.min(DEFAULT_MAX_BATCH_CAP, Math.floor(DEFAULT_CHUNK_BYTES / sampleBytes)));
}

/** One call's share of the work: samples `[start, start + size)` times passes `[pass, pass + passes)`. */
export interface PassChunk {
  start: number;
  size: number;
  pass: number;
  passes: number;
}

/**
 * Sums per-sample results over `passes` evaluations of each of `n` samples, holding at most
 * `maxBatch` evaluations (`size * passes`) in one call. `evaluate` returns tensors whose first
 * axis is the chunk's `size` samples, already summed over the chunk's passes; it runs inside
 * `tf.tidy`. Returns the sums over all passes, first axis `n`, in the order `evaluate` returned
 * them. Chunks cover whole sample blocks pass by pass, so a result never depends on `maxBatch`
 * beyond float rounding.
 */
export function sumOverPasses(
  n: number,
  passes: number,
  maxBatch: number,
  evaluate: (chunk: PassChunk) => tf.Tensor[],
): tf.Tensor[] {
  const rows = Math.max(1, Math.min(n, maxBatch));
  const perCall = Math.max(1, Math.floor(maxBatch / rows));
  const blocks: tf.Tensor[][] = [];
  let acc: tf.Tensor[] | undefined;
  try {
    for (let start = 0; start < n; start += rows) {
      const size = Math.min(rows, n - start);
      for (let pass = 0; pass < passes; pass += perCall) {
        const parts = tf.tidy(() => evaluate({ start, size, pass, passes: Math.min(perCall, passes - pass) }));
        const previous = acc;
        if (previous) {
          acc = tf.tidy(() => previous.map((a, i) => tf.add(a, parts[i])));
          tf.dispose([...previous, ...parts]);
        } else {
          acc = parts;
        }
      }
      if (acc) blocks.push(acc);
      acc = undefined;
    }
    if (blocks.length === 1) return blocks.pop()!;
    return blocks[0].map((_, i) => tf.concat(blocks.map((b) => b[i]), 0));
  } finally {
    // On success only the per-block sums remain here; on error, whatever was accumulated.
    if (acc) tf.dispose(acc);
    for (const b of blocks) tf.dispose(b);
  }
}

/**
 * Repeats `x` `[size, ...]` pass-major: `[passes * size, ...]`, rows `k * size + i`. A concat of
 * `passes` references (block copies) rather than `tf.tile`, which is ~15x slower on wasm here.
 */
export function repeatPasses(x: tf.Tensor, passes: number): tf.Tensor {
  return passes === 1 ? x : tf.concat(new Array<tf.Tensor>(passes).fill(x), 0);
}

/** Sums a pass-major `[passes * size, ...]` tensor over its passes: `[size, ...]`. */
export function sumPasses(t: tf.Tensor, passes: number): tf.Tensor {
  if (passes === 1) return t;
  return tf.sum(tf.reshape(t, [passes, t.shape[0] / passes, ...t.shape.slice(1)]), 0);
}
