/**
 * Shards: a run split over N processes that share one runs directory (Kubernetes Indexed Jobs,
 * or N shells). Each shard computes a fixed, contiguous share of the batches, writes the batch
 * files exactly as a one-process run would, and keeps its own progress record in
 * `runs/<id>/shards/<index>.json`; the run's manifest lists the union (see ./merge.ts).
 */
import { z } from 'zod';
import type { Same } from '../io/exact-type.ts';
import { BatchRecord, RunStatus } from './manifest.ts';
import { MAX_SHARDS } from './shard-spec.ts';

export { MAX_SHARDS, parseShard, seedsFromId, shardRange, type ShardSpec, shardSpec } from './shard-spec.ts';

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
