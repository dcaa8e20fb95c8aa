/**
 * The queue's entry points for the public API, importing BullMQ only when called: `core/index.ts`
 * is loaded by every command and the dashboard's run processes, which never need it.
 */
import type { RunConfigInput } from '../runs/config.ts';
import type { RunResult } from '../runs/runner.ts';
import type { QueueRunOptions } from './coordinator.ts';
import type { QueueWorker, QueueWorkerOptions } from './worker.ts';

export type { QueueRunOptions } from './coordinator.ts';
export type { QueueWorker, QueueWorkerOptions } from './worker.ts';

/** A run whose batches are BullMQ jobs for `gradlens worker` processes; see ./coordinator.ts. */
export async function runQueued(config: RunConfigInput, options: QueueRunOptions): Promise<RunResult> {
  return (await import('./coordinator.ts')).runQueued(config, options);
}

/** A worker computing queued runs' batches in this process; see ./worker.ts. */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  return (await import('./worker.ts')).startQueueWorker(options);
}
