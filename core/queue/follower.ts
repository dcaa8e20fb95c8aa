/**
 * Following a queued run from the process that enqueued it: completed jobs' batch records go into
 * the manifest (this process is its only writer), a job that failed for good fails the run, and
 * `queue.json` tells the dashboard the workers attached and every job's state.
 */
import type { Queue } from 'bullmq';
import { GradlensError } from '../errors/errors.ts';
import type { BatchRecord, Manifest } from '../runs/manifest.ts';
import type { QueueJob, QueueStatus } from '../runs/queue-status.ts';
import type { RunProgress } from '../runs/runner.ts';
import type { RunStore } from '../runs/store.ts';
import { redactUrl } from './connection.ts';
import type { QueueRunOptions } from './coordinator.ts';
import { type BatchJob, BatchJobResult, jobId } from './jobs.ts';

/** Follows a run's jobs, recording each completed one in the manifest. */
export class Follower {
  readonly #started = Date.now();
  readonly #skipped: number;
  readonly #jobs: Map<string, QueueJob>;
  #recorded = 0;
  #samples: number;
  #lastSnapshot = 0;

  constructor(
    readonly store: RunStore,
    public manifest: Manifest,
    jobs: BatchJob[],
    readonly options: QueueRunOptions,
  ) {
    this.#skipped = manifest.batches.length;
    this.#samples = manifest.batches.reduce((n, b) => n + b.size, 0);
    this.#jobs = new Map(jobs.map((j) => [jobId(j.start), { ...j, state: 'waiting', attempts: 0 }]));
  }

  update(patch: Partial<Manifest>): Manifest {
    this.manifest = { ...this.manifest, ...patch };
    this.store.write(this.manifest);
    return this.manifest;
  }

  /** Reads the queue until every job completed (run complete), one failed for good, or the signal. */
  async follow(queue: Queue, url: string, pollMs: number, signal?: AbortSignal): Promise<void> {
    while (true) {
      const counts = await queue.getJobCounts('completed', 'failed');
      if ((counts.completed ?? 0) > this.#recorded) await this.record(queue);
      if ((counts.failed ?? 0) > 0) await this.fail(queue);
      await this.snapshot(queue, url, true, Date.now() - this.#lastSnapshot < 1000);
      if (this.#recorded === this.#jobs.size) break;
      if (signal?.aborted) {
        this.update({ status: 'incomplete', updatedAt: new Date().toISOString() });
        return;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
    const now = new Date().toISOString();
    this.update({ status: 'complete', finishedAt: now, updatedAt: now, plannedBatches: this.manifest.batches.length });
  }

  /** Records the completed jobs not yet in the manifest. */
  async record(queue: Queue): Promise<void> {
    const added: BatchRecord[] = [];
    const perSample = new Map(this.manifest.methods.map((m) => [m.id, new Set(m.perSample)]));
    for (const job of await queue.getJobs(['completed'])) {
      const entry = job.id === undefined ? undefined : this.#jobs.get(job.id);
      if (!entry || entry.state === 'completed') continue;
      const parsed = BatchJobResult.safeParse(job.returnvalue);
      if (!parsed.success) throw new GradlensError(`job ${job.id} completed with a result that is not a batch's`);
      const result = parsed.data;
      const expected = Array.from({ length: entry.count }, (_, i) => entry.start + i);
      if (result.batches.map((b) => b.index).join() !== expected.join()) {
        throw new GradlensError(
          `job ${job.id} returned batches ${result.batches.map((b) => b.index)}; expected ${expected}`,
        );
      }
      added.push(...result.batches);
      for (const [method, names] of Object.entries(result.perSample)) {
        for (const n of names) perSample.get(method)?.add(n);
      }
      Object.assign(entry, { state: 'completed', worker: result.worker, attempts: job.attemptsMade });
      this.#recorded++;
    }
    if (added.length === 0) return;
    const batches = [...this.manifest.batches, ...added].sort((a, b) => a.index - b.index);
    this.update({
      updatedAt: new Date().toISOString(),
      batches,
      methods: this.manifest.methods.map((m) => ({ ...m, perSample: [...(perSample.get(m.id) ?? [])] })),
    });
    this.#samples += added.reduce((n, b) => n + b.size, 0);
    const elapsedMs = Date.now() - this.#started;
    const planned = this.manifest.plannedBatches!;
    const fresh = batches.length - this.#skipped;
    this.options.onProgress?.(
      {
        runId: this.manifest.id,
        batchesDone: batches.length,
        batchesPlanned: planned,
        samplesDone: this.#samples,
        elapsedMs,
        etaMs: fresh > 0 ? (elapsedMs / fresh) * Math.max(0, planned - batches.length) : undefined,
      } satisfies RunProgress,
    );
  }

  /** A job that failed all its tries fails the run, with its batches and reason. */
  async fail(queue: Queue): Promise<never | void> {
    const [job] = await queue.getJobs(['failed'], 0, 0);
    if (!job) return;
    const entry = job.id === undefined ? undefined : this.#jobs.get(job.id);
    if (entry) Object.assign(entry, { state: 'failed', attempts: job.attemptsMade, error: job.failedReason });
    const which = entry && entry.count > 1
      ? `batches ${entry.start} to ${entry.start + entry.count - 1}`
      : `batch ${entry?.start ?? job.id}`;
    throw new GradlensError(`${which} failed after ${job.attemptsMade} tries: ${job.failedReason}`, {
      where: `queue ${queue.name}`,
    });
  }

  /** Writes `queue.json`: workers attached and every job's state (at most once a second unless `force`). */
  async snapshot(queue: Queue, url: string, open: boolean, skip = false): Promise<void> {
    if (skip) return;
    this.#lastSnapshot = Date.now();
    const [workers, active, delayed] = await Promise.all([
      open ? queue.getWorkersCount() : Promise.resolve(0),
      queue.getJobs(['active']),
      queue.getJobs(['delayed']),
    ]);
    const activeIds = new Set(active.map((j) => j.id));
    const retrying = new Map(delayed.map((j) => [j.id, j]));
    for (const [id, entry] of this.#jobs) {
      if (entry.state === 'completed' || entry.state === 'failed') continue;
      const later = retrying.get(id);
      if (later) Object.assign(entry, { state: 'retrying', attempts: later.attemptsMade, error: later.failedReason });
      else entry.state = activeIds.has(id) ? 'active' : 'waiting';
    }
    const status: QueueStatus = {
      format: 'gradlens-queue',
      version: 1,
      queue: queue.name,
      url: redactUrl(url),
      updatedAt: new Date().toISOString(),
      open,
      workers,
      jobs: [...this.#jobs.values()],
    };
    this.store.writeQueueStatus(this.manifest.id, status);
    this.options.onStatus?.(status);
  }
}
