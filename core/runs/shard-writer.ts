import type { BatchData, BatchResult } from '../pipeline/batch.ts';
import type { BatchSink } from '../pipeline/loop.ts';
import { writerOf } from './new-manifest.ts';
import { batchRecord, ProgressCounter, type RunProgress, writeBatchFiles } from './run-writer.ts';
import type { ShardRecord, ShardSpec } from './shard.ts';
import type { RunStore } from './store.ts';

/**
 * A shard's sink: each batch's files exactly as a one-process run writes them, then the shard's
 * own progress record (never the run's manifest, which other shards read at the same time).
 */
export class ShardWriter implements BatchSink {
  readonly #progress: ProgressCounter;

  constructor(
    readonly store: RunStore,
    readonly runId: string,
    readonly methodIds: string[],
    public record: ShardRecord,
    onProgress?: (progress: RunProgress) => void,
  ) {
    this.#progress = new ProgressCounter(runId, record.batches, onProgress);
    store.writeShard(runId, record);
  }

  /** A new record for `spec` over batches `[start, end)`, or the one a previous try left (resumed). */
  static recordFor(
    spec: ShardSpec,
    range: { start: number; end: number },
    previous: ShardRecord | undefined,
  ): ShardRecord {
    const now = new Date().toISOString();
    const same = previous && previous.start === range.start && previous.end === range.end;
    return {
      format: 'gradlens-shard',
      version: 1,
      index: spec.index,
      count: spec.count,
      ...range,
      status: 'running',
      writer: writerOf(),
      startedAt: same ? previous.startedAt : now,
      updatedAt: now,
      batches: same ? previous.batches : [],
      perSample: same ? previous.perSample : {},
    };
  }

  write(index: number, data: BatchData, result: BatchResult, durationMs: number): void {
    writeBatchFiles(this.store, this.runId, index, data, result, this.methodIds);
    const r = this.record;
    const finishedAt = new Date().toISOString();
    this.update({
      updatedAt: finishedAt,
      batches: [...r.batches, batchRecord(index, data, result, this.methodIds, durationMs, finishedAt)],
      perSample: Object.fromEntries(this.methodIds.map((m, i) => [m, result.methods[i].perSample.map((s) => s.name)])),
    });
    this.#progress.batchDone(data.ids.length, r.end - r.start);
  }

  /** Applies `patch` to the record and writes it. */
  update(patch: Partial<ShardRecord>): ShardRecord {
    this.record = { ...this.record, ...patch };
    this.store.writeShard(this.runId, this.record);
    return this.record;
  }
}
