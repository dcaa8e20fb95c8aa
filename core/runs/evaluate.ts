/**
 * `evaluateRun`: metrics on a finished run's stored maps. The run's model and methods are
 * planned again with the options it recorded (seeds included); every stored batch (inputs,
 * labels, extra arrays, targets and maps, read back from the runs directory) goes through the
 * batch computation with its maps given, on the workers when there are several; each batch's
 * metric values and curves are written beside its maps and the manifest records the metric.
 */
import { initBackend } from '../engine/backend.ts';
import { GradlensError } from '../errors/errors.ts';
import { toFloat32 } from '../io/npy.ts';
import type { ArrayData, BatchData, BatchResult } from '../pipeline/batch.ts';
import { type MetricRequest, openRun } from '../pipeline/plan.ts';
import type { Registry } from '../plugins/registry.ts';
import { startComputer } from '../workers/computer.ts';
import { BATCH_FILES, extraFile, type Manifest, mapFile, type MetricRecord } from './manifest.ts';
import { metricRecord, recordEvaluated, writeMetricFiles } from './metric-records.ts';
import { registerPluginModules, withPlannedOptions } from './runner.ts';
import type { RunStore } from './store.ts';

export interface EvaluateOptions {
  registry: Registry;
  /** Worker threads (default 1: this thread). Results do not depend on it. */
  workers?: number;
  /** Modules that rebuild the registry's built-ins in each worker. */
  registryModules?: string[];
  /** Told after each batch. */
  onProgress?: (done: number, total: number) => void;
}

/** Evaluates `metrics` on every stored batch of run `id`; returns the updated manifest. */
export async function evaluateRun(
  store: RunStore,
  id: string,
  metrics: MetricRequest[],
  options: EvaluateOptions,
): Promise<Manifest> {
  let manifest = store.read(id);
  if (manifest.status === 'running') {
    throw new GradlensError(`run '${id}' is still being written; evaluate it once it has finished`, { where: id });
  }
  if (metrics.length === 0) throw new GradlensError('name at least one metric', { where: '--metric' });
  await registerPluginModules(options.registry, manifest.config.plugins, manifest.baseDir);
  await initBackend(manifest.config.backend);
  const opened = await openRun({ ...withPlannedOptions(manifest.config, manifest), metrics }, {
    registry: options.registry,
    baseDir: manifest.baseDir,
  });
  try {
    const planned = opened.plan.metrics;
    const fresh = planned.map((m, i) => metricRecord(m, opened.bound.metrics![i].plugin));
    const kept = (manifest.metrics ?? []).filter((r) => !fresh.some((f) => f.id === r.id));
    manifest = { ...manifest, metrics: [...kept, ...fresh] };
    store.write(manifest);
    const computer = await startComputer(opened.plan, opened.bound, {
      workers: Math.min(options.workers ?? 1, manifest.batches.length || 1),
      registryModules: options.registryModules,
      pluginModules: manifest.config.plugins.map((specifier) => ({ specifier, baseDir: manifest.baseDir })),
      backend: manifest.config.backend,
    });
    try {
      const batches = [...manifest.batches].sort((a, b) => a.index - b.index);
      const inFlight: { index: number; n: number; result: Promise<BatchResult> }[] = [];
      let done = 0;
      const writeOldest = async () => {
        const job = inFlight.shift()!;
        const result = await job.result;
        writeMetricFiles(store, id, job.index, job.n, result.metrics);
        manifest = { ...manifest, metrics: recordEvaluated(manifest.metrics!, job.index, result.metrics) };
        store.write(manifest);
        options.onProgress?.(++done, batches.length);
      };
      try {
        for (const batch of batches) {
          const data = storedBatch(store, manifest, batch.index);
          const result = computer.compute(data);
          result.catch(() => {});
          inFlight.push({ index: batch.index, n: data.ids.length, result });
          while (inFlight.length >= 2 * computer.parallel) await writeOldest();
        }
        while (inFlight.length > 0) await writeOldest();
      } finally {
        inFlight.length = 0;
      }
    } finally {
      await computer.close();
    }
    return manifest;
  } finally {
    opened.close();
  }
}

/** A stored batch as the batch computation takes it, with its maps and targets given. */
export function storedBatch(store: RunStore, manifest: Manifest, index: number): BatchData {
  const id = manifest.id;
  const read = (file: string): ArrayData => {
    const a = store.readArray(id, index, file);
    return { values: toFloat32(a.data), shape: a.shape };
  };
  const ids = store.readIds(id, index);
  const inputs = read(BATCH_FILES.inputs);
  const targets = store.readArray(id, index, BATCH_FILES.targets);
  const labels = manifest.dataset.hasLabels ? store.readArray(id, index, BATCH_FILES.labels) : undefined;
  const n = ids.length;
  const maps = manifest.methods.map((m) => read(mapFile(m.id)));
  for (const [name, a] of [['inputs', inputs], ...maps.map((m, i) => [manifest.methods[i].id, m] as const)] as const) {
    if (a.shape[0] !== n) {
      throw new GradlensError(`batch ${index}: '${name}' holds ${a.shape[0]} samples; ids.json lists ${n}`, {
        where: store.batchFile(id, index, BATCH_FILES.ids),
      });
    }
  }
  return {
    ids,
    x: inputs.values,
    shape: inputs.shape,
    y: labels ? Int32Array.from(labels.data as ArrayLike<number>, Number) : undefined,
    extra: Object.fromEntries(Object.keys(manifest.dataset.extra).map((name) => [name, read(extraFile(name))])),
    offset: index * manifest.dataset.batchSize,
    given: { targets: Int32Array.from(targets.data as ArrayLike<number>, Number), maps },
  };
}

/** The metrics recorded for a run, by id. */
export function metricsOf(manifest: Manifest): Record<string, MetricRecord> {
  return Object.fromEntries((manifest.metrics ?? []).map((m) => [m.id, m]));
}
