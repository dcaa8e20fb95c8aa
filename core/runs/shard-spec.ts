/**
 * Which shard a process is and which batches it computes: plain arithmetic, free of tfjs, so the
 * CLI checks `--shard` before loading anything heavy.
 */
import { GradlensError } from '../errors/errors.ts';

/** Shard `index` (0-based) of `count`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** The most shards a run may have: a progress record each, read on every look at the run. */
export const MAX_SHARDS = 4096;

/** `--shard i/N`: shard i (0-based) of N. */
export function parseShard(text: string, where: string = '--shard'): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new GradlensError(`expected INDEX/COUNT such as 0/4, got '${text}'`, { where });
  return shardSpec(Number(m[1]), Number(m[2]), where);
}

/** Checks a shard index against its count: 0 <= index < count <= {@link MAX_SHARDS}. */
export function shardSpec(index: number, count: number, where: string): ShardSpec {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS) {
    throw new GradlensError(`the shard count must be an integer from 1 to ${MAX_SHARDS}, got ${count}`, { where });
  }
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new GradlensError(`the shard index must be an integer from 0 to ${count - 1} (0-based), got ${index}`, {
      where,
    });
  }
  return { index, count };
}

/**
 * The batches of shard `index` of `count` in a run of `planned` batches: `[start, end)`, a
 * contiguous block, the blocks' sizes differing by at most one. Contiguous so a shard reads only
 * its part of the dataset (datasets skip leading batches without decoding them).
 */
export function shardRange(spec: ShardSpec, planned: number): { start: number; end: number } {
  return {
    start: Math.floor((spec.index * planned) / spec.count),
    end: Math.floor(((spec.index + 1) * planned) / spec.count),
  };
}

/**
 * Seeds for a sharded run's seeded methods that have none, drawn from the run id: every shard
 * plans the same seeds without talking to the others.
 */
export function seedsFromId(id: string): () => number {
  let h = 0x811c9dc5;
  for (const c of new TextEncoder().encode(id)) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  let state = h || 1;
  return () => {
    // xorshift32
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state & 0x7fffffff;
  };
}
