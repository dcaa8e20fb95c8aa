import { type BoundRun, computeBatch } from '../pipeline/batch.ts';
import type { BatchComputer } from '../pipeline/loop.ts';
import type { RunPlan } from '../pipeline/plan.ts';
import { defaultWorkerCount, getDefaultRegistryModules, type PoolSetup, WorkerPool } from './pool.ts';

/**
 * How long the work left must take in this thread before more threads pay for their start (each
 * loads tfjs, its engine and the model: about 0.6 s here for a small CNN, more for big models and
 * while this thread computes). Measured with `npm run bench` (docs/bench.md, "Workers"): below
 * this, one thread finishes first.
 */
export const WORKERS_PAY_AFTER_MS = 3000;

export interface ComputerOptions {
  /** Worker threads (1: this thread), or `auto`: decided by the job (see {@link adaptiveComputer}). */
  workers: number | 'auto';
  /** Batches to compute, when known (`auto` uses it to estimate the work left). */
  batches?: number;
  /** Modules that rebuild the registry's built-ins in each worker (default: the pool's default). */
  registryModules?: string[];
  /** The run's own plugin modules, registered in each worker after the built-ins. */
  pluginModules?: { specifier: string; baseDir: string }[];
  backend?: string;
  /** Told when `auto` starts workers, and why. */
  onWorkers?: (count: number, reason: string) => void;
}

/**
 * Where a run's batches are computed: in this thread with the run's bound model and methods, on
 * `workers` threads that each load their own, or (`auto`) in this thread until the work left is
 * seen to be worth more threads. Whichever it is, a batch's result is the same.
 */
export async function startComputer(plan: RunPlan, bound: BoundRun, options: ComputerOptions): Promise<BatchComputer> {
  const setup = (): PoolSetup => ({
    registryModules: options.registryModules ?? getDefaultRegistryModules(),
    pluginModules: options.pluginModules ?? [],
    backend: options.backend,
    plan,
  });
  if (options.workers === 'auto') {
    const max = Math.min(defaultWorkerCount(), options.batches ?? Infinity);
    const canStart = setup().registryModules.length > 0;
    return max > 1 && canStart ? adaptiveComputer(bound, { ...options, max, setup }) : localComputer(bound);
  }
  if (options.workers <= 1) return localComputer(bound);
  return await WorkerPool.start(options.workers, setup());
}

/** Batches computed in this thread, one after another, in the order they were submitted. */
export function localComputer(bound: BoundRun): BatchComputer {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    parallel: 1,
    compute(data) {
      const result = queue.then(() => computeBatch(bound, data));
      queue = result.catch(() => {});
      return result;
    },
    close: () => Promise.resolve(),
  };
}

/**
 * Computes in this thread and times the first batch; when the batches left would take longer
 * than {@link WORKERS_PAY_AFTER_MS} here, starts `max` workers and hands them every batch
 * submitted once they are ready (this thread goes on with what it has queued meanwhile).
 */
function adaptiveComputer(
  bound: BoundRun,
  o: ComputerOptions & { max: number; setup: () => PoolSetup },
): BatchComputer {
  const local = localComputer(bound);
  let pool: WorkerPool | undefined;
  let starting: Promise<WorkerPool | undefined> | undefined;
  let submitted = 0;
  const decide = (firstMs: number) => {
    const left = o.batches === undefined ? Infinity : o.batches - 1;
    const estimate = firstMs * left;
    if (estimate <= WORKERS_PAY_AFTER_MS) return;
    const reason = `${left === Infinity ? 'an unknown number of' : left} batches left at ${
      Math.round(firstMs)
    } ms each in one thread`;
    o.onWorkers?.(o.max, reason);
    starting = WorkerPool.start(o.max, o.setup()).then((p) => (pool = p), () => undefined);
  };
  const computer: BatchComputer = {
    get parallel() {
      return pool ? pool.parallel : 1;
    },
    compute(data) {
      if (pool) return pool.compute(data);
      const first = submitted++ === 0;
      const t0 = performance.now();
      const result = local.compute(data);
      if (first) result.then(() => decide(performance.now() - t0), () => {});
      return result;
    },
    async close() {
      await (await starting)?.close();
    },
  };
  return computer;
}
