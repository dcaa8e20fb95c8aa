import { type BoundRun, computeBatch } from '../pipeline/batch.ts';
import type { BatchComputer } from '../pipeline/loop.ts';
import type { RunPlan } from '../pipeline/plan.ts';
import { getDefaultRegistryModules, WorkerPool } from './pool.ts';

export interface ComputerOptions {
  /** Worker threads (1: this thread). */
  workers: number;
  /** Modules that rebuild the registry's built-ins in each worker (default: the pool's default). */
  registryModules?: string[];
  /** The run's own plugin modules, registered in each worker after the built-ins. */
  pluginModules?: { specifier: string; baseDir: string }[];
  backend?: string;
}

/**
 * Where a run's batches are computed: in this thread with the run's bound model and methods, or
 * on `workers` threads that each load their own. Either way a batch's result is the same.
 */
export async function startComputer(plan: RunPlan, bound: BoundRun, options: ComputerOptions): Promise<BatchComputer> {
  if (options.workers <= 1) return localComputer(bound);
  return await WorkerPool.start(options.workers, {
    registryModules: options.registryModules ?? getDefaultRegistryModules(),
    pluginModules: options.pluginModules ?? [],
    backend: options.backend,
    plan,
  });
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
