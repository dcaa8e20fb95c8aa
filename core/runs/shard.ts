/**
 * Shards: a run split over N processes that share one runs directory (Kubernetes Indexed Jobs,
 * or N shells). Each shard computes a fixed, contiguous share of the batches, writes the batch
 * files exactly as a one-process run would, and keeps its own progress record in
 * `runs/<id>/shards/<index>.json`; the run's manifest lists the union (see ./merge.ts).
 */
import { z } from 'zod';
import { GradlensError } from '../errors/errors.ts';
import type { Same } from '../io/exact-type.ts';
import { BatchRecord, RunStatus } from './manifest.ts';

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

const ShardRecordSchema = z.object({
  format: z.literal('gradlens-shard'),
  version: z.literal(1),
  index: z.number().int().nonnegative(),
  count: z.number().int().positive().max(MAX_SHARDS),
  /** First batch of the shard's block. */
  start: z.number().int().nonnegative(),
  /** One past its last batch. */
  end: z.number().int().nonnegative(),
  status: RunStatus,
  writer: z.object({ pid: z.number().int(), host: z.string() }).optional(),
  error: z.string().optional(),
  startedAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  batches: z.array(BatchRecord),
  /** Per-sample statistics each method returned, by method id. */
  perSample: z.record(z.string(), z.array(z.string())),
});

/** `runs/<id>/shards/<index>.json`: one shard's progress, written only by that shard. */
export interface ShardRecord {
  format: 'gradlens-shard';
  version: 1;
  index: number;
  count: number;
  /** First batch of the shard's block. */
  start: number;
  /** One past its last batch. */
  end: number;
  status: RunStatus;
  writer?: { pid: number; host: string };
  error?: string;
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  batches: BatchRecord[];
  /** Per-sample statistics each method returned, by method id. */
  perSample: Record<string, string[]>;
}
export const ShardRecord: z.ZodType<ShardRecord> = ShardRecordSchema;

const pinned: Same<z.output<typeof ShardRecordSchema>, ShardRecord> = true;
void pinned;

/** File name of a shard's record in `runs/<id>/shards/`. */
export function shardFileName(index: number): string {
  return `${String(index).padStart(4, '0')}.json`;
}
