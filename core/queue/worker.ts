/**
 * `startQueueWorker`: a process that computes queued runs' batches. It watches the set of runs
 * being computed; for each run in its runs directory it opens the dataset, loads the model once
 * (in this thread, or with `concurrency` above 1 in that many worker threads) and takes jobs from
 * the run's queue until the run leaves the set. Every batch goes through the
 * pipeline's batch loop and is written with the run's own file writer: atomic and idempotent, so
 * a batch computed twice (a worker that was thought dead) leaves one correct set of files.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import process from 'node:process';
import { type Job, Worker } from 'bullmq';
import { initBackend } from '../engine/backend.ts';
import { GradlensError } from '../errors/errors.ts';
import type { BatchData, BatchResult } from '../pipeline/batch.ts';
import { type BatchComputer, computeBatches } from '../pipeline/loop.ts';
import { parsePluginOptions } from '../pipeline/options.ts';
import { bindPlan } from '../pipeline/plan.ts';
import type { OpenedDataset } from '../plugins/types.ts';
import type { Registry } from '../plugins/registry.ts';
import type { BatchRecord } from '../runs/manifest.ts';
import { planFromManifest } from '../runs/plan-record.ts';
import { writeBatchFiles } from '../runs/run-writer.ts';
import { registerPluginModules } from '../runs/runner.ts';
import { RunStore } from '../runs/store.ts';
import { localComputer } from '../workers/computer.ts';
import { getDefaultRegistryModules, WorkerPool } from '../workers/pool.ts';
import { ACTIVE_RUNS_KEY, connectRedis, parseRedisUrl, queueName } from './connection.ts';
import { BatchJob, type BatchJobResult, RunTicket } from './jobs.ts';

export interface QueueWorkerOptions {
  /** `redis://HOST:PORT`. */
  url: string;
  /** The registry with the built-in plugins; a run's own plugin modules are added to it. */
  registry: Registry;
  /** The runs directory this worker serves (runs elsewhere are left to other workers). */
  runsDir: string;
  /**
   * Jobs computed at once (default 1: in this thread; more: each on its own worker thread). Start
   * more processes rather than more threads where cores allow: a process is also what survives.
   */
  concurrency?: number;
  /**
   * Milliseconds a job's lock lasts without renewal (default 30000): a worker silent this long is
   * taken for dead and its job is given to another. The lock is renewed every half of it; with
   * `concurrency` 1 the batch computes in this thread, so keep it well above the longest step of
   * a batch (a batch computed twice is harmless, only wasted).
   */
  lockMs?: number;
  /** How long Redis may take to answer the first PING, in milliseconds (default 10000). */
  connectTimeoutMs?: number;
  /** How often the set of runs is read, in milliseconds (default 1000). */
  pollMs?: number;
  /** Told what the worker does: attaching to a run, starting and finishing jobs, leaving a run. */
  onEvent?: (text: string) => void;
}

export interface QueueWorker {
  /** Runs this worker is attached to. */
  runs(): string[];
  /** Stops taking jobs, lets the jobs in progress finish, and frees every run's model. */
  close(): Promise<void>;
}

interface Attached {
  worker: Worker;
  computer: BatchComputer;
  dataset: OpenedDataset;
}

/** Starts a worker; see the module comment. */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const connection = parseRedisUrl(options.url);
  const concurrency = options.concurrency ?? 1;
  const lockMs = options.lockMs ?? 30_000;
  const store = new RunStore(resolve(options.runsDir));
  const say = options.onEvent ?? (() => {});
  const me = `${hostname()}:${process.pid}`;
  const redis = await connectRedis(options.url, options.connectTimeoutMs);
  await initBackend();
  const attached = new Map<string, Promise<Attached | undefined>>();
  const ignored = new Set<string>();

  const attach = async (ticket: RunTicket): Promise<Attached | undefined> => {
    const manifest = store.read(ticket.id);
    const plan = planFromManifest(manifest);
    const config = manifest.config;
    await registerPluginModules(options.registry, config.plugins, manifest.baseDir);
    await initBackend(config.backend);
    const datasetPlugin = options.registry.get('dataset', plan.dataset.plugin);
    const dataset = await datasetPlugin.open(
      parsePluginOptions(datasetPlugin.options, plan.dataset.options, `dataset.options (${datasetPlugin.name})`),
      { baseDir: plan.baseDir },
    );
    let computer: BatchComputer;
    try {
      const registryModules = getDefaultRegistryModules();
      if (concurrency === 1 || registryModules.length === 0) {
        const modelPlugin = options.registry.get('model', plan.model.plugin);
        const modelOptions = parsePluginOptions(modelPlugin.options, plan.model.options, 'model.options');
        const model = await modelPlugin.load(modelOptions, { baseDir: plan.baseDir });
        const local = localComputer(bindPlan(plan, options.registry, model));
        computer = { ...local, parallel: 1, close: () => Promise.resolve(model.dispose()) };
      } else {
        computer = await WorkerPool.start(concurrency, {
          registryModules,
          pluginModules: config.plugins.map((specifier) => ({ specifier, baseDir: plan.baseDir })),
          backend: config.backend,
          plan,
        });
      }
    } catch (error) {
      dataset.close?.();
      throw error;
    }
    const methodIds = manifest.methods.map((m) => m.id);
    const processor = async (job: Job): Promise<BatchJobResult> => {
      const parsed = BatchJob.safeParse(job.data);
      if (!parsed.success) throw new GradlensError(`job ${job.id} is not a gradlens batch job`);
      const { start, count } = parsed.data;
      if (start + count > (manifest.plannedBatches ?? 0)) {
        throw new GradlensError(`job ${job.id} asks for batches past the run's ${manifest.plannedBatches}`);
      }
      say(
        `run ${ticket.id}: batch ${start}${count > 1 ? ` to ${start + count - 1}` : ''} started (try ${
          job.attemptsMade + 1
        })`,
      );
      const batches: BatchRecord[] = [];
      const perSample: Record<string, string[]> = {};
      const sink = {
        write(index: number, data: BatchData, result: BatchResult, durationMs: number) {
          writeBatchFiles(store, ticket.id, index, data, result, methodIds);
          const finishedAt = new Date().toISOString();
          batches.push({
            index,
            size: data.ids.length,
            durationMs: Math.round(durationMs),
            finishedAt,
            methodMs: Object.fromEntries(methodIds.map((m, i) => [m, Math.round(result.methods[i].ms)])),
          });
          methodIds.forEach((m, i) => (perSample[m] = result.methods[i].perSample.map((s) => s.name)));
        },
      };
      const limit = Math.min(config.dataset.limit ?? Infinity, (start + count) * config.dataset.batchSize);
      await computeBatches(dataset, computer, sink, { batchSize: config.dataset.batchSize, limit, skipBatches: start });
      if (batches.length !== count) {
        throw new GradlensError(`the dataset gave ${batches.length} of batches ${start} to ${start + count - 1}`);
      }
      say(`run ${ticket.id}: batch ${start}${count > 1 ? ` to ${start + count - 1}` : ''} done`);
      return { batches, perSample, worker: me };
    };
    const worker = new Worker(queueName(ticket.id), processor, {
      connection,
      concurrency,
      lockDuration: lockMs,
      stalledInterval: Math.max(500, Math.round(lockMs / 2)),
      // A job is retried after a worker died under it; a third death fails it (a batch that kills workers).
      maxStalledCount: 2,
      name: me,
    });
    worker.on('error', (error) => say(`run ${ticket.id}: queue error: ${error.message}`));
    worker.on('failed', (job, error) => {
      const data = BatchJob.safeParse(job?.data);
      const which = data.success ? `batch ${data.data.start}` : `job ${job?.id}`;
      say(`run ${ticket.id}: ${which} failed (try ${job?.attemptsMade ?? '?'}): ${error.message.split('\n')[0]}`);
    });
    say(
      `run ${ticket.id}: attached (${
        computer.parallel > 1 ? `${computer.parallel} worker threads` : 'one job at a time'
      })`,
    );
    return { worker, computer, dataset };
  };

  const detach = async (key: string, id: string) => {
    const run = await attached.get(key)?.catch(() => undefined);
    attached.delete(key);
    if (!run) return;
    await run.worker.close();
    await run.computer.close();
    run.dataset.close?.();
    say(`run ${id}: left (run ended)`);
  };

  const sync = async () => {
    const members = new Set(await redis.smembers(ACTIVE_RUNS_KEY));
    for (const member of members) {
      if (attached.has(member) || ignored.has(member)) continue;
      let ticket: RunTicket;
      try {
        ticket = RunTicket.parse(JSON.parse(member));
      } catch {
        ignored.add(member);
        continue;
      }
      if (resolve(ticket.runsDir) !== store.root) {
        ignored.add(member);
        say(`run ${ticket.id}: not served (its runs directory ${ticket.runsDir} is not ${store.root})`);
        continue;
      }
      const started = attach(ticket).catch((error) => {
        say(`run ${ticket.id}: cannot attach: ${(error as Error).message.split('\n')[0]}`);
        // Tried again at a later poll: the shared filesystem may not show the run yet.
        setTimeout(() => attached.delete(member), 5000);
        return undefined;
      });
      attached.set(member, started);
    }
    for (const key of [...attached.keys()]) {
      if (!members.has(key)) await detach(key, RunTicket.parse(JSON.parse(key)).id);
    }
    for (const key of [...ignored]) if (!members.has(key)) ignored.delete(key);
  };

  let closed = false;
  let polling = Promise.resolve();
  const timer = setInterval(() => {
    polling = polling.then(sync).catch((error) => say(`queue: ${(error as Error).message}`));
  }, options.pollMs ?? 1000);
  polling = sync();
  await polling;
  return {
    runs: () => [...attached.keys()].map((k) => RunTicket.parse(JSON.parse(k)).id),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await polling.catch(() => {});
      for (const key of [...attached.keys()]) await detach(key, RunTicket.parse(JSON.parse(key)).id);
      redis.disconnect();
    },
  };
}
