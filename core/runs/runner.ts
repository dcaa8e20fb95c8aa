/**
 * `runAttributions`: a run from its config, in four steps, each its own function: plan (the
 * pipeline's `openRun`), manifest (new, or the one being resumed), the batch loop (the
 * pipeline's `computeBatches` into a {@link RunWriter}), and finish (status and times).
 */
import process from 'node:process';
import { type BackendInfo, initBackend } from '../engine/backend.ts';
import { GradlensError } from '../errors/errors.ts';
import { resolvePath } from '../io/paths.ts';
import { assertWritableDir } from '../io/writable.ts';
import { type BatchSink, computeBatches } from '../pipeline/loop.ts';
import { type OpenedRun, openRun } from '../pipeline/plan.ts';
import type { Registry } from '../plugins/registry.ts';
import { startComputer } from '../workers/computer.ts';
import { newRunId, parseRunConfig, type RunConfig, type RunConfigInput } from './config.ts';
import type { Manifest } from './manifest.ts';
import { backendRecord, createManifest, writerOf } from './new-manifest.ts';
import { type RunProgress, RunWriter } from './run-writer.ts';
import { RunStore } from './store.ts';
import { checkBudget, evaluationsPerSample } from './budget.ts';

export type { RunProgress } from './run-writer.ts';

export interface RunOptions {
  /** Registry with the plugins the config names (built-ins and the user's). */
  registry: Registry;
  /** Directory relative paths in the config resolve against (default: cwd). */
  baseDir?: string;
  /** Finish an existing incomplete run instead of starting a new one. */
  resume?: string;
  onProgress?: (progress: RunProgress) => void;
  /** Called once the backend is ready, with its description. */
  onBackend?: (backend: BackendInfo) => void;
  /** Stop after this many batches in this call (for tests of interruption). */
  stopAfter?: number;
  /** Aborts between batches; the run is left `incomplete` and can be resumed. */
  signal?: AbortSignal;
  /**
   * Worker threads computing batches (default 1: in this thread), or `auto`: this thread until
   * the first batch shows the rest is worth one thread per core. Each worker loads its own engine
   * and model; batches go whole to the next free worker, so results equal one worker's. Manifest
   * and file writes stay in this thread, in batch order.
   */
  workers?: number | 'auto';
  /** Told when `workers: 'auto'` starts workers, with the count and the reason. */
  onWorkers?: (count: number, reason: string) => void;
  /** Modules that rebuild the registry's built-ins in each worker (default: the pool's default). */
  registryModules?: string[];
  /**
   * Refuse the run before its first batch when its methods' cost times its samples exceeds this
   * many model evaluations (the dashboard's `--max-evaluations`).
   */
  maxEvaluations?: number;
}

export interface RunResult {
  id: string;
  dir: string;
  manifest: Manifest;
}

/**
 * Streams the dataset's batches through the model and every method, writing
 * `runs/<id>/manifest.json` and one directory of `.npy` files per batch. Files are written
 * atomically and the manifest is updated after each batch, so an interrupted run is `incomplete`
 * and `resume` finishes it without redoing finished batches.
 */
export async function runAttributions(configInput: RunConfigInput, options: RunOptions): Promise<RunResult> {
  const start = locateRun(configInput, options);
  const { config, store, previous, baseDir } = start;
  if (previous?.status === 'complete') return { id: previous.id, dir: store.where(previous.id), manifest: previous };
  assertWritableDir(store.root, 'runsDir');
  const id = previous?.id ?? freeId(config, store);
  const { backend, opened } = await startPlannedRun(config, previous, baseDir, options);
  try {
    if (options.maxEvaluations !== undefined) {
      const size = opened.dataset.size;
      const samples = Math.min(size ?? Infinity, config.dataset.limit ?? Infinity);
      checkBudget(
        evaluationsPerSample(opened.plan.methods.map((m) => m.cost)),
        Number.isFinite(samples) ? samples : undefined,
        options.maxEvaluations,
        'methods',
      );
    }
    const manifest = previous ? resumedManifest(previous, backend) : createManifest(id, config, opened, backend);
    const writer = new RunWriter(store, manifest, options.onProgress);
    return await loop(config, opened, writer, options);
  } finally {
    opened.close();
  }
}

export interface RunStart {
  config: RunConfig;
  store: RunStore;
  previous?: Manifest;
  /** Directory the config's relative paths resolve against. */
  baseDir: string;
}

/** The config, runs directory and (when resuming) the run's manifest. */
export function locateRun(configInput: RunConfigInput, options: RunOptions): RunStart {
  const baseDir = options.baseDir ?? process.cwd();
  if (!options.resume) {
    const config = parseRunConfig(configInput);
    return { config, store: new RunStore(resolvePath(config.runsDir, baseDir)), baseDir };
  }
  const store = new RunStore(resolvePath(parseRunConfig(configInput).runsDir, baseDir));
  const previous = store.read(options.resume);
  return { config: previous.config, store, previous, baseDir: previous.baseDir };
}

/**
 * What every way of computing a run does first: registers the config's plugin modules, starts
 * its backend (told to `onBackend`) and plans it, a resumed run with the options it was planned
 * with. The caller closes `opened`.
 */
export async function startPlannedRun(
  config: RunConfig,
  previous: Manifest | undefined,
  baseDir: string,
  options: { registry: Registry; onBackend?: (backend: BackendInfo) => void; drawSeed?: () => number },
): Promise<{ backend: BackendInfo; opened: OpenedRun }> {
  await registerPluginModules(options.registry, config.plugins, baseDir);
  const backend = await initBackend(config.backend);
  options.onBackend?.(backend);
  const opened = await openRun(previous ? withPlannedOptions(config, previous) : config, {
    registry: options.registry,
    baseDir,
    ...(options.drawSeed ? { drawSeed: options.drawSeed } : {}),
  });
  return { backend, opened };
}

/** A resumed run keeps the options it was planned with: its seeds above all. */
export function withPlannedOptions(config: RunConfig, previous: Manifest): RunConfig {
  const metrics = previous.metrics ?? [];
  return {
    ...config,
    methods: config.methods.map((m, i) => ({ ...m, options: previous.methods[i].options })),
    // By id: `gradlens evaluate` may have added or re-recorded metrics since the run started.
    metrics: config.metrics?.map((m) => ({
      ...m,
      options: metrics.find((r) => r.id === (m.id ?? m.plugin))?.options ?? m.options,
    })),
  };
}

/** The new run's id: the config's, unless a run has it already, else one from the time. */
export function freeId(config: RunConfig, store: RunStore): string {
  const id = config.id ?? newRunId();
  if (store.has(id)) {
    throw new GradlensError(`a run '${id}' already exists in ${store.root}; choose another id or use --resume`, {
      where: 'id',
    });
  }
  return id;
}

export function resumedManifest(previous: Manifest, backend: BackendInfo): Manifest {
  return {
    ...previous,
    status: 'running',
    writer: writerOf(),
    updatedAt: new Date().toISOString(),
    error: undefined,
    backend: backendRecord(backend),
  };
}

/** The batch loop, then the run's final status. A failure marks the run `failed` with its reason. */
async function loop(config: RunConfig, opened: OpenedRun, writer: RunWriter, options: RunOptions): Promise<RunResult> {
  const skip = writer.manifest.batches.length;
  const planned = writer.manifest.plannedBatches;
  let stopped: boolean;
  try {
    stopped = await streamBatches(config, opened, writer, options, {
      skip,
      limit: config.dataset.limit,
      left: planned === undefined ? undefined : Math.max(1, planned - skip),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    writer.update({ status: 'failed', error: message, updatedAt: new Date().toISOString() });
    throw error;
  }
  return finish(writer, stopped);
}

/**
 * Computes the batches from `skip` on (up to `limit` samples of the dataset) on the computer
 * `options.workers` asks for, into `sink`, through the pipeline's batch loop. Returns whether it
 * stopped early (signal or `stopAfter`).
 */
export async function streamBatches(
  config: RunConfig,
  opened: OpenedRun,
  sink: BatchSink,
  options: Pick<RunOptions, 'workers' | 'onWorkers' | 'registryModules' | 'signal' | 'stopAfter'>,
  range: { skip: number; limit?: number; left?: number },
): Promise<boolean> {
  const workers = options.workers ?? 1;
  const computer = await startComputer(opened.plan, opened.bound, {
    // No more workers than batches left: each loads its own engine and model.
    workers: workers === 'auto' ? 'auto' : Math.min(workers, range.left ?? Infinity),
    batches: range.left,
    onWorkers: options.onWorkers,
    registryModules: options.registryModules,
    pluginModules: config.plugins.map((specifier) => ({ specifier, baseDir: opened.plan.baseDir })),
    backend: config.backend,
  });
  try {
    const { stopped } = await computeBatches(opened.dataset, computer, sink, {
      batchSize: config.dataset.batchSize,
      limit: range.limit,
      skipBatches: range.skip,
      signal: options.signal,
      stopAfter: options.stopAfter,
    });
    return stopped;
  } finally {
    await computer.close();
  }
}

/** A run that stopped early is `incomplete` (resumable); otherwise `complete`, its batch count final. */
function finish(writer: RunWriter, stopped: boolean): RunResult {
  const now = new Date().toISOString();
  const manifest = stopped ? writer.update({ status: 'incomplete', updatedAt: now }) : writer.update({
    status: 'complete',
    finishedAt: now,
    updatedAt: now,
    plannedBatches: writer.manifest.batches.length,
  });
  return { id: manifest.id, dir: writer.store.where(manifest.id), manifest };
}

/** Registers a config's plugin modules once (a resumed run or a second call may name them again). */
export async function registerPluginModules(registry: Registry, modules: string[], baseDir: string): Promise<void> {
  for (const module of modules) {
    const path = resolvePath(module, baseDir);
    const known = (['model', 'dataset', 'attribution', 'metric'] as const).some((kind) =>
      registry.list(kind).some((p) => registry.sourceOf(p.kind, p.name) === path)
    );
    if (!known) await registry.registerModule(path, baseDir);
  }
}
