import { tf } from '../tensor/tf.ts';
import type { Batch, BatchRequest } from '../plugins/types.ts';

/** Reads `count` samples starting at `start` as a flat float32 array. */
export type RowReader = (start: number, count: number) => Float32Array;

export interface RowSource {
  size: number;
  sampleShape: number[];
  readX: RowReader;
  /** Labels, int32, whole array (labels are small). */
  labels?: Int32Array;
  ids?: (index: number) => string;
  extra?: Record<string, { sampleShape: number[]; read: RowReader }>;
}

/**
 * Streams batches from random-access row readers: only one batch of rows is in memory at a
 * time, and skipped batches are never read.
 */
export async function* rowBatches(source: RowSource, request: BatchRequest): AsyncGenerator<Batch> {
  const total = Math.min(source.size, request.limit ?? Infinity);
  const first = (request.skipBatches ?? 0) * request.batchSize;
  for (let start = first; start < total; start += request.batchSize) {
    const count = Math.min(request.batchSize, total - start);
    const x = tf.tensor(source.readX(start, count), [count, ...source.sampleShape], 'float32');
    const y = source.labels ? tf.tensor1d(source.labels.subarray(start, start + count), 'int32') : undefined;
    const extra = source.extra
      ? Object.fromEntries(
        Object.entries(source.extra).map(([name, e]) => [
          name,
          tf.tensor(e.read(start, count), [count, ...e.sampleShape], 'float32'),
        ]),
      )
      : undefined;
    const ids = Array.from({ length: count }, (_, i) => source.ids?.(start + i) ?? String(start + i));
    yield { x, y, ids, extra };
  }
}

/** Disposes every tensor of a batch. */
export function disposeBatch(batch: Batch): void {
  batch.x.dispose();
  batch.y?.dispose();
  for (const t of Object.values(batch.extra ?? {})) t.dispose();
}
