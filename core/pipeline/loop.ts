import { disposeBatch } from '../data/batches.ts';
import type { Batch, BatchRequest, OpenedDataset } from '../plugins/types.ts';
import type { BatchData, BatchResult } from './batch.ts';

/** Computes batches: in this thread, or on a pool of workers (core/workers). */
export interface BatchComputer {
  /** How many batches it computes at once. */
  readonly parallel: number;
  compute(data: BatchData): Promise<BatchResult>;
  close(): Promise<void>;
}

/** Where computed batches go, in batch order: a run directory, or one `.npy` of maps. */
export interface BatchSink {
  write(index: number, data: BatchData, result: BatchResult, durationMs: number): void | Promise<void>;
}

export interface LoopOptions extends BatchRequest {
  /** Stops between batches; the batches written so far stay written. */
  signal?: AbortSignal;
  /** Stops after this many batches in this call (tests of interruption). */
  stopAfter?: number;
}

/**
 * Streams the dataset's batches through `computer` into `sink`, in order. Memory is bounded:
 * at most two batches per parallel computation are held at once. Returns how many batches this
 * call wrote and whether it stopped early.
 */
export async function computeBatches(
  dataset: OpenedDataset,
  computer: BatchComputer,
  sink: BatchSink,
  options: LoopOptions,
): Promise<{ written: number; stopped: boolean }> {
  const first = options.skipBatches ?? 0;
  const inFlight: { index: number; t0: number; data: BatchData; result: Promise<BatchResult> }[] = [];
  let submitted = 0;
  let written = 0;
  let stopped = false;
  const writeOldest = async () => {
    const job = inFlight.shift()!;
    await sink.write(job.index, job.data, await job.result, performance.now() - job.t0);
    written++;
  };
  try {
    for await (const batch of dataset.batches(options)) {
      const index = first + submitted;
      const data = await batchData(batch, index * options.batchSize);
      const result = computer.compute(data);
      // Awaited in order below; a rejection meanwhile is not "unhandled".
      result.catch(() => {});
      inFlight.push({ index, t0: performance.now(), data, result });
      submitted++;
      while (inFlight.length > 0 && inFlight.length >= 2 * computer.parallel) await writeOldest();
      if (options.signal?.aborted || (options.stopAfter !== undefined && submitted >= options.stopAfter)) {
        stopped = true;
        break;
      }
    }
    while (inFlight.length > 0) await writeOldest();
  } finally {
    // A failure leaves later results unread: nothing else may wait on them.
    inFlight.length = 0;
  }
  return { written, stopped };
}

/** A batch's tensors as arrays (the batch is disposed). */
export async function batchData(batch: Batch, offset: number): Promise<BatchData> {
  try {
    const extra: BatchData['extra'] = {};
    for (const [name, t] of Object.entries(batch.extra ?? {})) {
      extra[name] = { values: Float32Array.from(await t.data()), shape: t.shape };
    }
    return {
      ids: batch.ids,
      x: (await batch.x.data()) as Float32Array,
      shape: batch.x.shape,
      y: batch.y ? Int32Array.from(await batch.y.data()) : undefined,
      extra,
      offset,
    };
  } finally {
    disposeBatch(batch);
  }
}
