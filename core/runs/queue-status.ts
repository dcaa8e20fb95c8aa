/**
 * `runs/<id>/queue.json`: how a queued run stands, written by the process that enqueued it (the
 * only one talking to Redis about the run as a whole), read by the dashboard without Redis.
 */
import { z } from 'zod';
import type { Same } from '../io/exact-type.ts';

/** Most jobs listed: a run's batches, grouped, rarely come near it. */
export const MAX_QUEUE_JOBS = 100_000;

/** Where a job stands: queued, being computed, waiting to be retried, done, or failed for good. */
export type QueueJobState = 'waiting' | 'active' | 'retrying' | 'completed' | 'failed';

const QueueJobSchema = z.object({
  start: z.number().int().nonnegative(),
  count: z.number().int().positive(),
  state: z.enum(['waiting', 'active', 'retrying', 'completed', 'failed']),
  /** Tries made so far (BullMQ's attemptsMade; a try whose worker died is taken up again without counting). */
  attempts: z.number().int().nonnegative(),
  /** The worker that completed it, `host:pid`. */
  worker: z.string().optional(),
  /** The last failure's reason. */
  error: z.string().optional(),
});

const QueueStatusSchema = z.object({
  format: z.literal('gradlens-queue'),
  version: z.literal(1),
  /** The BullMQ queue. */
  queue: z.string(),
  /** The Redis URL without its password. */
  url: z.string(),
  updatedAt: z.string(),
  /** Whether the run is still on the queue (false once it completed, failed or stopped). */
  open: z.boolean(),
  /** Worker processes attached to the run's queue. */
  workers: z.number().int().nonnegative(),
  jobs: z.array(QueueJobSchema).max(MAX_QUEUE_JOBS),
});

/** One job of a queued run: batches `[start, start + count)`. */
export interface QueueJob {
  start: number;
  count: number;
  state: QueueJobState;
  /** Tries made so far (BullMQ's attemptsMade; a try whose worker died is taken up again without counting). */
  attempts: number;
  /** The worker that completed it, `host:pid`. */
  worker?: string;
  /** The last failure's reason. */
  error?: string;
}

/** See the module comment. */
export interface QueueStatus {
  format: 'gradlens-queue';
  version: 1;
  /** The BullMQ queue. */
  queue: string;
  /** The Redis URL without its password. */
  url: string;
  updatedAt: string;
  /** Whether the run is still on the queue (false once it completed, failed or stopped). */
  open: boolean;
  /** Worker processes attached to the run's queue. */
  workers: number;
  jobs: QueueJob[];
}
export const QueueStatus: z.ZodType<QueueStatus> = QueueStatusSchema;

const pinned: [Same<z.output<typeof QueueStatusSchema>, QueueStatus>, Same<z.output<typeof QueueJobSchema>, QueueJob>] =
  [true, true];
void pinned;
