/** What travels through Redis, validated where it is read: run tickets, jobs and their results. */
import { z } from 'zod';
import type { Same } from '../io/exact-type.ts';
import { SafeId } from '../io/safe-id.ts';
import { BatchRecord } from '../runs/manifest.ts';

/** Most batches in one job. */
export const MAX_BATCHES_PER_JOB = 1024;

const RunTicketSchema = z.object({ id: SafeId, runsDir: z.string().min(1).max(4096) }).strict();
/** A run being computed: its id and runs directory (a path on the shared filesystem). */
export interface RunTicket {
  id: string;
  runsDir: string;
}
export const RunTicket: z.ZodType<RunTicket> = RunTicketSchema;

const BatchJobSchema = z.object({
  /** First batch. */
  start: z.number().int().nonnegative(),
  /** Batches from `start`. */
  count: z.number().int().positive().max(MAX_BATCHES_PER_JOB),
}).strict();
/** One job: batches `[start, start + count)` of the queue's run. */
export interface BatchJob {
  /** First batch. */
  start: number;
  /** Batches from `start`. */
  count: number;
}
export const BatchJob: z.ZodType<BatchJob> = BatchJobSchema;

const BatchJobResultSchema = z.object({
  batches: z.array(BatchRecord).max(MAX_BATCHES_PER_JOB),
  /** Per-sample statistics each method returned, by method id. */
  perSample: z.record(z.string(), z.array(z.string())),
  /** The worker that computed it: `host:pid`. */
  worker: z.string().max(300),
});
/** What a worker returns for a job: the batches' records, as a one-process run writes them. */
export interface BatchJobResult {
  batches: BatchRecord[];
  /** Per-sample statistics each method returned, by method id. */
  perSample: Record<string, string[]>;
  /** The worker that computed it: `host:pid`. */
  worker: string;
}
export const BatchJobResult: z.ZodType<BatchJobResult> = BatchJobResultSchema;

const pinned: [
  Same<z.output<typeof RunTicketSchema>, RunTicket>,
  Same<z.output<typeof BatchJobSchema>, BatchJob>,
  Same<z.output<typeof BatchJobResultSchema>, BatchJobResult>,
] = [true, true, true];
void pinned;

/** A job's id in its queue: its first batch (so enqueuing a batch twice is a no-op). */
export function jobId(start: number): string {
  return `b${start}`;
}

/** Groups the batches to compute into jobs of at most `perJob` consecutive batches. */
export function groupBatches(indices: number[], perJob: number): BatchJob[] {
  const jobs: BatchJob[] = [];
  for (const index of [...indices].sort((a, b) => a - b)) {
    const last = jobs[jobs.length - 1];
    if (last && last.start + last.count === index && last.count < perJob) last.count++;
    else jobs.push({ start: index, count: 1 });
  }
  return jobs;
}
