/**
 * `runQueued`: a run whose batches are computed by `gradlens worker` processes anywhere. This
 * process plans the run and writes its manifest, as a local run does, then puts one BullMQ job
 * per group of batches on the run's queue, lists the run where workers look, and follows the
 * jobs: it alone writes the manifest (each completed job's batch records) and `queue.json`.
 * Workers write the batch files themselves, into the shared runs directory.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { initBackend } from '../engine/backend.ts';
import { GradlensError } from '../errors/errors.ts';
import { openRun } from '../pipeline/plan.ts';
import type { RunConfig, RunConfigInput } from '../runs/config.ts';
import type { BatchRecord, Manifest } from '../runs/manifest.ts';
import { createManifest } from '../runs/new-manifest.ts';
import type { QueueJob, QueueStatus } from '../runs/queue-status.ts';
import {
  freeId,
  locateRun,
  registerPluginModules,
  resumedManifest,
  type RunOptions,
  type RunProgress,
  type RunResult,
  withPlannedOptions,
} from '../runs/runner.ts';
import type { RunStore } from '../runs/store.ts';
import {
  ACTIVE_RUNS_KEY,
  connectRedis,
  parseRedisUrl,
  queueName,
  redactUrl,
  type RedisConnection,
} from './connection.ts';
import { type BatchJob, BatchJobResult, groupBatches, jobId, MAX_BATCHES_PER_JOB, type RunTicket } from './jobs.ts';

export interface QueueRunOptions
  extends Pick<RunOptions, 'registry' | 'baseDir' | 'resume' | 'onProgress' | 'onBackend' | 'signal'> {
  /** `redis://HOST:PORT`. */
  url: string;
  /** Batches per job (default 1). */
  batchesPerJob?: number;
  /** Tries per job before the run fails (default 3). */
  attempts?: number;
  /** First retry's delay in milliseconds, doubling after (default 1000). */
  backoffMs?: number;
  /** How often the queue is read, in milliseconds (default 250). */
  pollMs?: number;
  /** How long Redis may take to answer the first PING, in milliseconds (default 10000). */
  connectTimeoutMs?: number;
  /** Told whenever the queue's state is read (workers attached, jobs' states). */
  onStatus?: (status: QueueStatus) => void;
}

/** Plans the run, enqueues its batches and follows them until the run completes or fails. */
export async function runQueued(configInput: RunConfigInput, options: QueueRunOptions): Promise<RunResult> {
  const perJob = options.batchesPerJob ?? 1;
  const attempts = options.attempts ?? 3;
  if (!Number.isInteger(perJob) || perJob < 1 || perJob > MAX_BATCHES_PER_JOB) {
    throw new GradlensError(`batches per job must be an integer from 1 to ${MAX_BATCHES_PER_JOB}`, {
      where: '--batches-per-job',
    });
  }
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 100) {
    throw new GradlensError(`tries per job must be an integer from 1 to 100`, { where: '--attempts' });
  }
  const connection = parseRedisUrl(options.url);
  const { config, store, previous, baseDir } = locateRun(configInput, options);
  // Checked before planning: a wrong URL is told at once.
  const redis = await connectRedis(options.url, options.connectTimeoutMs);
  try {
    return await enqueueAndFollow(config, store, previous, baseDir, redis, connection, perJob, attempts, options);
  } finally {
    redis.disconnect();
  }
}

async function enqueueAndFollow(
  config: RunConfig,
  store: RunStore,
  previous: Manifest | undefined,
  baseDir: string,
  redis: Redis,
  connection: RedisConnection,
  perJob: number,
  attempts: number,
  options: QueueRunOptions,
): Promise<RunResult> {
  if (previous?.status === 'complete') return { id: previous.id, dir: store.where(previous.id), manifest: previous };
  const id = previous?.id ?? freeId(config, store);
  await registerPluginModules(options.registry, config.plugins, baseDir);
  const backend = await initBackend(config.backend);
  options.onBackend?.(backend);
  // Planned here once (seeds drawn, shapes checked), then recorded: workers rebuild it from the manifest.
  const opened = await openRun(previous ? withPlannedOptions(config, previous) : config, {
    registry: options.registry,
    baseDir,
  });
  let manifest: Manifest;
  try {
    manifest = previous ? resumedManifest(previous, backend) : createManifest(id, config, opened, backend);
  } finally {
    opened.close();
  }
  const planned = manifest.plannedBatches;
  if (planned === undefined) {
    throw new GradlensError(
      `a queued run needs a dataset whose size is known, to make its jobs; this dataset ('${config.dataset.plugin}') does not say`,
      { where: '--queue' },
    );
  }
  const name = queueName(id);
  manifest = { ...manifest, queue: { name, batchesPerJob: perJob, attempts } };
  store.write(manifest);

  const done = new Set(manifest.batches.map((b) => b.index));
  const todo = Array.from({ length: planned }, (_, i) => i).filter((i) => !done.has(i));
  const jobs = groupBatches(todo, perJob);
  const queue = new Queue(name, { connection });
  const ticket = JSON.stringify({ id, runsDir: store.root } satisfies RunTicket);
  const follower = new Follower(store, manifest, jobs, options);
  try {
    // A queue left by an earlier try of this run holds nothing this one needs.
    await queue.obliterate({ force: true });
    await queue.addBulk(jobs.map((job) => ({
      name: 'batches',
      data: job,
      opts: {
        jobId: jobId(job.start),
        attempts,
        backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
        removeOnComplete: false,
        removeOnFail: false,
      },
    })));
    await redis.sadd(ACTIVE_RUNS_KEY, ticket);
    await follower.follow(queue, options.url, options.pollMs ?? 250, options.signal);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    follower.update({ status: 'failed', error: message, updatedAt: new Date().toISOString() });
    throw error;
  } finally {
    await redis.srem(ACTIVE_RUNS_KEY, ticket).catch(() => {});
    await follower.snapshot(queue, options.url, false).catch(() => {});
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
  return { id, dir: store.where(id), manifest: follower.manifest };
}

/** Follows a run's jobs, recording each completed one in the manifest. */
class Follower {
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
