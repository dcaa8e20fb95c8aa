import type { BatchData, BatchResult } from '../pipeline/batch.ts';
import type { BatchSink } from '../pipeline/loop.ts';
import { BATCH_FILES, type BatchRecord, extraFile, type Manifest, mapFile, statFile } from './manifest.ts';
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
  readonly #progress: ProgressCounter;

  constructor(
    readonly store: RunStore,
    public manifest: Manifest,
    onProgress?: (progress: RunProgress) => void,
  ) {
    this.#progress = new ProgressCounter(manifest.id, manifest.batches, onProgress);
    store.write(manifest);
  }

  write(index: number, data: BatchData, result: BatchResult, durationMs: number): void {
    const m = this.manifest;
    writeBatchFiles(this.store, m.id, index, data, result, m.methods.map((x) => x.id));
    const ids = m.methods.map((x) => x.id);
    const finishedAt = new Date().toISOString();
    this.update({
      updatedAt: finishedAt,
      batches: [...m.batches, batchRecord(index, data, result, ids, durationMs, finishedAt)],
      methods: m.methods.map((x, i) => ({ ...x, perSample: result.methods[i].perSample.map((s) => s.name) })),
      ...(m.metrics?.length ? { metrics: recordEvaluated(m.metrics, index, result.metrics) } : {}),
    });
    this.#progress.batchDone(data.ids.length, this.manifest.plannedBatches);
  }

  /** Applies `patch` to the manifest and writes it. */
  update(patch: Partial<Manifest>): Manifest {
    this.manifest = { ...this.manifest, ...patch };
    this.store.write(this.manifest);
    return this.manifest;
  }
}

/** A finished batch's record (in a run's manifest or a shard's record): size, timings, when. */
export function batchRecord(
  index: number,
  data: BatchData,
  result: BatchResult,
  methodIds: string[],
  durationMs: number,
  finishedAt: string,
): BatchRecord {
  return {
    index,
    size: data.ids.length,
    durationMs: Math.round(durationMs),
    finishedAt,
    methodMs: Object.fromEntries(methodIds.map((id, i) => [id, Math.round(result.methods[i].ms)])),
  };
}

/**
 * A sink's progress: batches and samples done (those a previous try wrote count as done), the
 * time since this process started, and the time left at this process's pace.
 */
export class ProgressCounter {
  readonly #started = Date.now();
  readonly #skipped: number;
  #done = 0;
  #samples: number;

  constructor(
    readonly runId: string,
    written: BatchRecord[],
    readonly onProgress?: (progress: RunProgress) => void,
  ) {
    this.#skipped = written.length;
    this.#samples = written.reduce((n, b) => n + b.size, 0);
  }

  /** Counts a batch of `size` samples; `planned`: the batches this sink will write in all, when known. */
  batchDone(size: number, planned: number | undefined): void {
    this.#done++;
    this.#samples += size;
    const elapsedMs = Date.now() - this.#started;
    const batchesDone = this.#skipped + this.#done;
    this.onProgress?.({
      runId: this.runId,
      batchesDone,
      batchesPlanned: planned,
      samplesDone: this.#samples,
      elapsedMs,
      etaMs: planned === undefined ? undefined : (elapsedMs / this.#done) * Math.max(0, planned - batchesDone),
    });
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
  store.writeIds(id, index, data.ids);
}
