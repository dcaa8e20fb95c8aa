/**
 * One run from its shards: the manifest written when the run was planned, plus every shard's
 * progress record. Pure: the run store reads the files and calls {@link mergeShards}.
 */
import type { BatchRecord, Manifest, RunStatus } from './manifest.ts';
import type { ShardRecord } from './shard.ts';

/**
 * The run as its shards leave it: the union of their batches (by index), the per-sample
 * statistics any reported, and a status: `failed` when a shard failed (its reason), `complete`
 * when every shard completed, `running` while a shard's process lives, else `incomplete` (rerun
 * the missing shards, or `gradlens merge` later). `alive` tells a live writer from a killed one.
 */
export function mergeShards(
  manifest: Manifest,
  records: ShardRecord[],
  alive: (writer: { pid: number; host: string }) => boolean,
): Manifest {
  const count = manifest.shards?.count;
  if (count === undefined) return manifest;
  const own = records.filter((r) => r.count === count && r.index < count);
  const byIndex = new Map<number, BatchRecord>();
  for (const r of own) for (const b of r.batches) if (!byIndex.has(b.index)) byIndex.set(b.index, b);
  const batches = [...byIndex.values()].sort((a, b) => a.index - b.index);
  const methods = manifest.methods.map((m) => {
    const names = new Set(m.perSample);
    for (const r of own) for (const name of r.perSample[m.id] ?? []) names.add(name);
    return { ...m, perSample: [...names] };
  });
  const failed = own.filter((r) => r.status === 'failed').sort((a, b) => a.index - b.index);
  const done = new Set(own.filter((r) => r.status === 'complete').map((r) => r.index));
  const live = own.some((r) => r.status === 'running' && r.writer !== undefined && alive(r.writer));
  let status: RunStatus;
  let error: string | undefined;
  if (failed.length > 0) {
    status = 'failed';
    error = failed.map((r) => `shard ${r.index}/${count}: ${r.error ?? 'failed'}`).join('; ');
  } else if (done.size === count) status = 'complete';
  else status = live ? 'running' : 'incomplete';
  const times = [manifest.updatedAt, ...own.map((r) => r.updatedAt)].sort();
  const finished = own.map((r) => r.finishedAt ?? '').sort();
  return {
    ...manifest,
    status,
    error,
    writer: undefined,
    updatedAt: times[times.length - 1],
    ...(status === 'complete' ? { finishedAt: finished[finished.length - 1] } : {}),
    methods,
    batches,
  };
}

/** Shards that have not completed, for messages: `[index]`, ascending. */
export function missingShards(manifest: Manifest, records: ShardRecord[]): number[] {
  const count = manifest.shards?.count ?? 0;
  const done = new Set(records.filter((r) => r.count === count && r.status === 'complete').map((r) => r.index));
  return Array.from({ length: count }, (_, i) => i).filter((i) => !done.has(i));
}
