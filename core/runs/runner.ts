import { hostname } from 'node:os';
import process from 'node:process';
import { resolveConventions } from '../attribution/reduce.ts';
import { countClasses, resolveOutput } from '../attribution/scores.ts';
import { defaultTargetRule, describeTargetRule, type TargetRule } from '../attribution/targets.ts';
import { disposeBatch } from '../data/batches.ts';
import { type BackendInfo, initBackend } from '../engine/backend.ts';
import { describeZodIssues, GradlensError } from '../errors/errors.ts';
import type { OpenedDataset } from '../plugins/types.ts';
import type { Registry } from '../plugins/registry.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { resolvePath } from '../io/paths.ts';
import { parseRunConfig, type RunConfig, type RunConfigInput } from './config.ts';
import { BATCH_FILES, type Manifest, mapFile, type MethodRecord, statFile } from './manifest.ts';
import { RunStore } from './store.ts';
import { versions } from './versions.ts';
import { checkInputShape } from './checks.ts';
import { getDefaultRegistryModules, WorkerPool } from '../workers/pool.ts';
import { type BatchData, computeRunBatch, type RunBatchResult } from '../workers/tasks.ts';

export interface RunProgress {
  runId: string;
  /** Batches finished so far (including those finished before a resume). */
  batchesDone: number;
  /** Batches planned, when the dataset size is known. */
  batchesPlanned?: number;
  samplesDone: number;
  /** Milliseconds since this process started the run. */
  elapsedMs: number;
  /** Estimated milliseconds left, when the plan is known. */
  etaMs?: number;
}

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
   * Worker threads computing batches (default 1: in this thread). Each loads its own engine and
   * model; batches go whole to the next free worker, so results equal one worker's. Manifest
   * and file writes stay in this thread, in batch order.
   */
  workers?: number;
  /** Modules that rebuild the registry's built-ins in each worker (default: the pool's default). */
  registryModules?: string[];
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
  const baseDir = options.baseDir ?? process.cwd();
  let config: RunConfig;
  let store: RunStore;
  let previous: Manifest | undefined;
  if (options.resume) {
    store = new RunStore(resolvePath(parseRunConfig(configInput).runsDir, baseDir));
    previous = store.read(options.resume);
    if (previous.status === 'complete') {
      return { id: previous.id, dir: store.path(previous.id), manifest: previous };
    }
    config = previous.config;
  } else {
    config = parseRunConfig(configInput);
    store = new RunStore(resolvePath(config.runsDir, baseDir));
  }
  const base = previous?.baseDir ?? baseDir;
  for (const module of config.plugins) {
    const path = resolvePath(module, base);
    if (!alreadyFrom(options.registry, path)) await options.registry.registerModule(path, base);
  }

  const backend = await initBackend(config.backend);
  options.onBackend?.(backend);
  const context = { baseDir: base };

  const modelPlugin = options.registry.get('model', config.model.plugin);
  const datasetPlugin = options.registry.get('dataset', config.dataset.plugin);
  const methods = config.methods.map((m) => ({ config: m, plugin: options.registry.get('attribution', m.plugin) }));
  const modelOptions = parseOptions(modelPlugin.options, config.model.options, `model.options (${modelPlugin.name})`);
  const datasetOptions = parseOptions(
    datasetPlugin.options,
    config.dataset.options,
    `dataset.options (${datasetPlugin.name})`,
  );
  const methodOptions = methods.map(({ config: m, plugin }, i) =>
    parseOptions(plugin.options, m.options, `methods[${i}].options (${plugin.name})`)
  );

  const model = await modelPlugin.load(modelOptions, context);
  let dataset: OpenedDataset | undefined;
  try {
    dataset = await datasetPlugin.open(datasetOptions, context);
    checkInputShape(model.inputShape, dataset.sampleShape, `dataset '${datasetPlugin.name}'`);
    const output = resolveOutput(model, config.model.output);
    const outputIndex = model.outputs.findIndex((o) => o.name === output);
    const outputInfo = model.outputs[outputIndex];
    const numClasses = countClasses(model, dataset.sampleShape, output);
    const hasLabels = await peekHasLabels(dataset);
    const rule: TargetRule = config.target ?? defaultTargetRule(hasLabels);
    const rank = dataset.sampleShape.length + 1;
    const conventions = methods.map(({ config: m, plugin }) =>
      resolveConventions(plugin, { abs: m.abs, reduce: m.reduce }, rank)
    );
    const planned = dataset.size === undefined
      ? undefined
      : Math.ceil(Math.min(dataset.size, config.dataset.limit ?? Infinity) / config.dataset.batchSize);
    const now = new Date().toISOString();
    const id = previous?.id ?? config.id ?? newRunId();
    if (!previous && store.has(id)) {
      throw new GradlensError(`a run '${id}' already exists in ${store.root}; choose another id or use --resume`, {
        where: 'id',
      });
    }
    let manifest: Manifest = previous
      ? { ...previous, status: 'running', writer: writer(), updatedAt: now, error: undefined }
      : {
        format: 'gradlens-run',
        version: 1,
        id,
        status: 'running',
        createdAt: now,
        updatedAt: now,
        writer: writer(),
        config: { ...config, id },
        baseDir: base,
        model: {
          plugin: modelPlugin.name,
          options: modelOptions as Record<string, unknown>,
          inputShape: model.inputShape,
          outputs: model.outputs,
          output: { name: output, index: outputIndex, scores: outputInfo.scores, note: outputInfo.note },
          classNames: model.classNames ?? dataset.classNames,
          numClasses,
          probabilities: outputInfo.scores === 'post-softmax'
            ? "the head's own output (already a softmax)"
            : "softmax of the head's scores",
          details: model.describe(),
        },
        dataset: {
          plugin: datasetPlugin.name,
          options: datasetOptions as Record<string, unknown>,
          batchSize: config.dataset.batchSize,
          limit: config.dataset.limit,
          size: dataset.size,
          sampleShape: dataset.sampleShape,
          hasLabels,
          details: dataset.describe(),
        },
        target: { rule: describeTargetRule(rule), description: describeRule(rule) },
        methods: methods.map(({ config: m, plugin }, i): MethodRecord => ({
          id: m.id ?? plugin.name,
          plugin: plugin.name,
          options: methodOptions[i] as Record<string, unknown>,
          description: plugin.description,
          reference: plugin.reference,
          needs: plugin.needs,
          rawSigned: plugin.signed,
          signed: plugin.signed && !conventions[i].abs,
          conventions: conventions[i],
          mapShape: conventions[i].reduce === 'none' ? dataset!.sampleShape : dataset!.sampleShape.slice(0, -1),
          perSample: [],
          cost: plugin.cost?.(methodOptions[i], dataset!.sampleShape),
        })),
        backend: { name: backend.name, package: backend.package, details: backend.details },
        versions: versions(),
        plannedBatches: planned,
        batches: [],
      };
    if (previous) manifest.backend = { name: backend.name, package: backend.package, details: backend.details };
    store.write(manifest);

    const started = Date.now();
    const skip = manifest.batches.length;
    let doneHere = 0;
    let submitted = 0;
    let stopped = false;
    let samples = manifest.batches.reduce((n, b) => n + b.size, 0);
    const request = { batchSize: config.dataset.batchSize, limit: config.dataset.limit, skipBatches: skip };
    const spec = { output, outputScores: outputInfo.scores, numClasses, rule, baseDir: manifest.baseDir };
    const methodIds = manifest.methods.map((m) => m.id);
    // No more workers than batches left: each loads its own engine and model.
    const workers = Math.min(options.workers ?? 1, planned === undefined ? Infinity : Math.max(1, planned - skip));
    const pool = workers > 1
      ? await WorkerPool.start(workers, {
        registryModules: options.registryModules ?? getDefaultRegistryModules(),
        pluginModules: config.plugins.map((specifier) => ({ specifier, baseDir: base })),
        backend: config.backend,
        model: { plugin: modelPlugin.name, options: modelOptions, baseDir: base },
      })
      : undefined;
    // Batches computed or being computed, oldest first; written in this order.
    const inFlight: { index: number; t0: number; data: BatchData; result: Promise<RunBatchResult> }[] = [];
    const finishOldest = async () => {
      const job = inFlight.shift()!;
      const { perSample, ...record } = writeBatch(
        store,
        manifest.id,
        job.index,
        job.data,
        await job.result,
        methodIds,
        job.t0,
      );
      manifest = {
        ...manifest,
        updatedAt: record.finishedAt,
        batches: [...manifest.batches, record],
        methods: manifest.methods.map((m, i) => ({ ...m, perSample: perSample[i] })),
      };
      store.write(manifest);
      doneHere++;
      samples += job.data.ids.length;
      const elapsedMs = Date.now() - started;
      const batchesDone = skip + doneHere;
      options.onProgress?.({
        runId: manifest.id,
        batchesDone,
        batchesPlanned: planned,
        samplesDone: samples,
        elapsedMs,
        etaMs: planned === undefined ? undefined : (elapsedMs / doneHere) * (planned - batchesDone),
      });
    };
    try {
      for await (const batch of dataset.batches(request)) {
        const index = skip + submitted;
        const t0 = Date.now();
        let data: BatchData;
        let result: Promise<RunBatchResult>;
        try {
          data = {
            ids: batch.ids,
            x: (await batch.x.data()) as Float32Array,
            shape: batch.x.shape,
            y: batch.y ? (await batch.y.data()) as Int32Array : undefined,
          };
          if (pool) {
            result = pool.runBatch(data, {
              ...spec,
              methods: methods.map((m, i) => ({
                plugin: m.plugin.name,
                options: methodOptions[i],
                conventions: conventions[i],
              })),
            });
            // Awaited in order below; a rejection meanwhile is not "unhandled".
            result.catch(() => {});
          } else {
            result = Promise.resolve(
              await computeRunBatch(model, batch.x, batch.y, batch.ids, {
                ...spec,
                methods: methods.map((m, i) => ({
                  plugin: m.plugin,
                  options: methodOptions[i],
                  conventions: conventions[i],
                })),
              }),
            );
          }
        } finally {
          disposeBatch(batch);
        }
        inFlight.push({ index, t0, data, result });
        submitted++;
        // Bounded memory: at most two batches per worker are held at once.
        while (inFlight.length > 0 && (!pool || inFlight.length >= 2 * pool.size)) await finishOldest();
        if (options.signal?.aborted || (options.stopAfter !== undefined && submitted >= options.stopAfter)) {
          stopped = true;
          break;
        }
      }
      while (inFlight.length > 0) await finishOldest();
      if (stopped) {
        manifest = { ...manifest, status: 'incomplete', updatedAt: new Date().toISOString() };
        store.write(manifest);
        return { id: manifest.id, dir: store.path(manifest.id), manifest };
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      store.write({ ...manifest, status: 'failed', error: message, updatedAt: new Date().toISOString() });
      throw error;
    } finally {
      await pool?.close();
    }
    const end = new Date().toISOString();
    manifest = {
      ...manifest,
      status: 'complete',
      finishedAt: end,
      updatedAt: end,
      plannedBatches: manifest.batches.length,
    };
    store.write(manifest);
    return { id: manifest.id, dir: store.path(manifest.id), manifest };
  } finally {
    dataset?.close?.();
    model.dispose();
  }
}

/** Writes one computed batch's files (ids last: a batch directory with ids.json is complete). */
function writeBatch(
  store: RunStore,
  id: string,
  index: number,
  data: BatchData,
  r: RunBatchResult,
  methodIds: string[],
  t0: number,
) {
  const n = data.ids.length;
  store.writeArray(id, index, BATCH_FILES.inputs, data.x, data.shape);
  if (data.y) store.writeArray(id, index, BATCH_FILES.labels, data.y, [n]);
  store.writeArray(id, index, BATCH_FILES.targets, r.targets, [n]);
  store.writeArray(id, index, BATCH_FILES.predictions, r.predictions, [n]);
  store.writeArray(id, index, BATCH_FILES.probabilities, r.probabilities.values, r.probabilities.shape);
  const methodMs: Record<string, number> = {};
  methodIds.forEach((methodId, i) => {
    store.writeArray(id, index, mapFile(methodId), r.maps[i].values, r.maps[i].shape);
    for (const { name, values } of r.perSample[i]) store.writeArray(id, index, statFile(methodId, name), values, [n]);
    methodMs[methodId] = r.methodMs[i];
  });
  writeFileAtomic(store.batchFile(id, index, BATCH_FILES.ids), JSON.stringify(data.ids));
  return {
    index,
    size: n,
    durationMs: Date.now() - t0,
    finishedAt: new Date().toISOString(),
    methodMs,
    perSample: r.perSample.map((stats) => stats.map((s) => s.name)),
  };
}

function parseOptions<T>(
  schema: {
    safeParse(
      v: unknown,
    ): { success: boolean; data?: T; error?: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  value: unknown,
  where: string,
): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    throw new GradlensError(`invalid options: ${describeZodIssues(result.error!.issues)}`, { where });
  }
  return result.data as T;
}

async function peekHasLabels(dataset: OpenedDataset): Promise<boolean> {
  for await (const batch of dataset.batches({ batchSize: 1, limit: 1 })) {
    const has = batch.y !== undefined;
    disposeBatch(batch);
    return has;
  }
  return false;
}

function describeRule(rule: TargetRule): string {
  if (rule === 'label') return "each map explains the sample's true label";
  if (rule === 'predicted') return "each map explains the model's predicted class";
  return `each map explains class ${rule.class}`;
}

function writer() {
  return { pid: process.pid, host: hostname() };
}

function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `run-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

function alreadyFrom(registry: Registry, path: string): boolean {
  return ['model', 'dataset', 'attribution'].some((kind) =>
    registry.list(kind as 'model').some((p) => registry.sourceOf(p.kind, p.name) === path)
  );
}
