import { type BoundRun, computeBatch } from '../pipeline/batch.ts';
import type { BatchComputer } from '../pipeline/loop.ts';
import type { RunPlan } from '../pipeline/plan.ts';
import { defaultWorkerCount, getDefaultRegistryModules, type PoolSetup, WorkerPool } from './pool.ts';

/**
 * How long the work left must take in this thread before more threads pay for their start. Each
 * worker loads tfjs, its engine and the model (about 1.5 s here for the Fashion-MNIST CNN), and on
 * 2 cores two workers compute about 1.35 times as fast as one thread, so they pay once the work
 * left exceeds start / (1 - 1/1.35), about 6 s. Measured with `npm run bench` (docs/bench.md,
 * "Workers").
 */
export const WORKERS_PAY_AFTER_MS = 6000;

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
 * Computes in this thread and times the second batch (the first pays for warming up); when the
 * batches left would take longer than {@link WORKERS_PAY_AFTER_MS} here, starts `max` workers and
 * sends them every later batch. This thread stops computing meanwhile: starting workers beside a
 * busy thread on few cores took several times longer than the start alone.
 */
function adaptiveComputer(
  bound: BoundRun,
  o: ComputerOptions & { max: number; setup: () => PoolSetup },
): BatchComputer {
  const local = localComputer(bound);
  let pool: Promise<BatchComputer> | undefined;
  let ready: BatchComputer | undefined;
  let submitted = 0;
  let firstDone = 0;
  const decide = (steadyMs: number) => {
    const left = o.batches === undefined ? Infinity : o.batches - 2;
    if (steadyMs * left <= WORKERS_PAY_AFTER_MS) return;
    const count = left === Infinity ? 'more' : String(left);
    o.onWorkers?.(o.max, `${count} batches left at ${Math.round(steadyMs)} ms each in one thread`);
    // A pool that cannot start leaves the work to this thread: same results, only slower.
    pool = WorkerPool.start(o.max, o.setup()).then(
      (p) => (ready = p),
      (error) => {
        o.onWorkers?.(1, `workers did not start (${(error as Error).message.split('\n')[0]}); one thread`);
        return (ready = local);
      },
    );
  };
  return {
    get parallel() {
      return ready ? ready.parallel : 1;
    },
    compute(data) {
      if (ready) return ready.compute(data);
      if (pool) return pool.then((p) => p.compute(data));
      const index = submitted++;
      const result = local.compute(data);
      // Batches run one after another here: the second's time is from the first's end to its own.
      if (index === 0) result.then(() => (firstDone = performance.now()), () => {});
      if (index === 1) result.then(() => decide(performance.now() - firstDone), () => {});
      return result;
    },
    async close() {
      await (ready && ready !== local ? ready.close() : Promise.resolve());
    },
  };
}
