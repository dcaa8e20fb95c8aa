/**
 * `runQueued`: a run whose batches are computed by `gradlens worker` processes anywhere. This
 * process plans the run and writes its manifest, as a local run does, then puts one BullMQ job
 * per group of batches on the run's queue, lists the run where workers look, and follows the
 * jobs: it alone writes the manifest (each completed job's batch records) and `queue.json`.
 * Workers write the batch files themselves, into the shared runs directory.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { GradlensError } from '../errors/errors.ts';
import type { RunConfig, RunConfigInput } from '../runs/config.ts';
import type { Manifest } from '../runs/manifest.ts';
import { createManifest } from '../runs/new-manifest.ts';
import type { QueueStatus } from '../runs/queue-status.ts';
import {
  freeId,
  locateRun,
  resumedManifest,
  type RunOptions,
  type RunResult,
  startPlannedRun,
} from '../runs/runner.ts';
import type { RunStore } from '../runs/store.ts';
import { ACTIVE_RUNS_KEY, connectRedis, parseRedisUrl, queueName, type RedisConnection } from './connection.ts';
import { Follower } from './follower.ts';
import { groupBatches, jobId, MAX_BATCHES_PER_JOB, type RunTicket } from './jobs.ts';

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
  // Planned here once (seeds drawn, shapes checked), then recorded: workers rebuild it from the manifest.
  const { backend, opened } = await startPlannedRun(config, previous, baseDir, options);
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
