import { writeFileAtomic } from '../io/atomic.ts';
import type { BatchData, BatchResult } from '../pipeline/batch.ts';
import type { BatchSink } from '../pipeline/loop.ts';
import { BATCH_FILES, extraFile, type Manifest, mapFile, statFile } from './manifest.ts';
import { recordEvaluated, writeMetricFiles } from './metric-records.ts';
import type { RunStore } from './store.ts';

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

/**
 * Writes computed batches into a run directory and keeps its manifest current: a batch's files
 * first (ids.json last, so a batch directory with ids.json is complete), then the manifest that
 * lists it. Every write is atomic, so a killed run is left resumable.
 */
export class RunWriter implements BatchSink {
  readonly #started = Date.now();
  readonly #skipped: number;
  #done = 0;
  #samples: number;

  constructor(
    readonly store: RunStore,
    public manifest: Manifest,
    readonly onProgress?: (progress: RunProgress) => void,
  ) {
    this.#skipped = manifest.batches.length;
    this.#samples = manifest.batches.reduce((n, b) => n + b.size, 0);
    store.write(manifest);
  }

  write(index: number, data: BatchData, result: BatchResult, durationMs: number): void {
    const m = this.manifest;
    writeBatchFiles(this.store, m.id, index, data, result, m.methods.map((x) => x.id));
    const finishedAt = new Date().toISOString();
    this.update({
      updatedAt: finishedAt,
      batches: [...m.batches, {
        index,
        size: data.ids.length,
        durationMs: Math.round(durationMs),
        finishedAt,
        methodMs: Object.fromEntries(m.methods.map((x, i) => [x.id, Math.round(result.methods[i].ms)])),
      }],
      methods: m.methods.map((x, i) => ({ ...x, perSample: result.methods[i].perSample.map((s) => s.name) })),
      ...(m.metrics?.length ? { metrics: recordEvaluated(m.metrics, index, result.metrics) } : {}),
    });
    this.#done++;
    this.#samples += data.ids.length;
    const elapsedMs = Date.now() - this.#started;
    const batchesDone = this.#skipped + this.#done;
    const planned = this.manifest.plannedBatches;
    this.onProgress?.({
      runId: m.id,
      batchesDone,
      batchesPlanned: planned,
      samplesDone: this.#samples,
      elapsedMs,
      etaMs: planned === undefined ? undefined : (elapsedMs / this.#done) * Math.max(0, planned - batchesDone),
    });
  }

  /** Applies `patch` to the manifest and writes it. */
  update(patch: Partial<Manifest>): Manifest {
    this.manifest = { ...this.manifest, ...patch };
    this.store.write(this.manifest);
    return this.manifest;
  }
}

/** One computed batch's files: inputs, labels, extra arrays, targets, predictions, probabilities, maps, statistics, ids. */
export function writeBatchFiles(
  store: RunStore,
  id: string,
  index: number,
  data: BatchData,
  result: BatchResult,
  methodIds: string[],
): void {
  const n = data.ids.length;
  store.writeArray(id, index, BATCH_FILES.inputs, data.x, data.shape);
  if (data.y) store.writeArray(id, index, BATCH_FILES.labels, data.y, [n]);
  for (const [name, a] of Object.entries(data.extra ?? {})) {
    store.writeArray(id, index, extraFile(name), a.values, a.shape);
  }
  store.writeArray(id, index, BATCH_FILES.targets, result.targets, [n]);
  store.writeArray(id, index, BATCH_FILES.predictions, result.predictions, [n]);
  store.writeArray(id, index, BATCH_FILES.probabilities, result.probabilities.values, result.probabilities.shape);
  methodIds.forEach((methodId, i) => {
    const { map, perSample } = result.methods[i];
    store.writeArray(id, index, mapFile(methodId), map.values, map.shape);
    for (const { name, values } of perSample) store.writeArray(id, index, statFile(methodId, name), values, [n]);
  });
  writeMetricFiles(store, id, index, n, result.metrics);
  writeFileAtomic(store.batchFile(id, index, BATCH_FILES.ids), JSON.stringify(data.ids));
}
