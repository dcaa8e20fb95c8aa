/**
 * `runShard`: one shard of a run (see ./shard.ts). Every shard plans the run the same way (seeds
 * drawn from the run id), the first to start writes the manifest, each computes its block of
 * batches through the pipeline's batch loop into its own progress record, and the last to finish
 * merges the manifest. Rerunning a shard (a retried Kubernetes pod) resumes its block.
 */
import process from 'node:process';
import { GradlensError } from '../errors/errors.ts';
import { resolvePath } from '../io/paths.ts';
import { parseRunConfig, type RunConfigInput } from './config.ts';
import type { Manifest } from './manifest.ts';
import { missingShards } from './merge.ts';
import { createManifest } from './new-manifest.ts';
import { type RunOptions, type RunResult, startPlannedRun, streamBatches } from './runner.ts';
import { seedsFromId, shardRange, type ShardSpec } from './shard.ts';
import { ShardWriter } from './shard-writer.ts';
import { RunStore } from './store.ts';

export interface ShardOptions extends Omit<RunOptions, 'resume'> {
  shard: ShardSpec;
}

/** What a shard did: the run as merged so far, and whether this shard completed the run. */
export interface ShardResult extends RunResult {
  shard: ShardSpec;
  /** Batches `[start, end)` of this shard. */
  range: { start: number; end: number };
  /** True when this shard found every shard complete and wrote the merged manifest. */
  merged: boolean;
}

/** Runs shard `options.shard` of the run `configInput` describes; see the module comment. */
export async function runShard(configInput: RunConfigInput, options: ShardOptions): Promise<ShardResult> {
  const { shard } = options;
  const baseDir = options.baseDir ?? process.cwd();
  const config = parseRunConfig(configInput);
  const id = config.id;
  if (!id) {
    throw new GradlensError(`the shards of a run must share its id: give --id ID or "id" in the config`, {
      where: '--shard',
    });
  }
  const store = new RunStore(resolvePath(config.runsDir, baseDir));
  const existing = store.has(id) ? store.readManifestFile(id) : undefined;
  if (existing) checkSameRun(existing, shard, store);
  if (existing && existing.methods.length !== config.methods.length) {
    throw new GradlensError(
      `run '${id}' was planned with ${existing.methods.length} methods, this config lists ${config.methods.length}; start every shard from the same config`,
      { where: '--shard' },
    );
  }
  if (existing?.status === 'complete') {
    return result(store, id, shard, shardRange(shard, existing.plannedBatches ?? 0), false);
  }

  const { backend, opened } = await startPlannedRun(config, existing, baseDir, {
    ...options,
    drawSeed: seedsFromId(id),
  });
  try {
    if (!existing) {
      const fresh = createManifest(id, config, opened, backend);
      if (fresh.plannedBatches === undefined) {
        throw new GradlensError(
          `a sharded run needs a dataset whose size is known, to split its batches; this dataset ('${config.dataset.plugin}') does not say`,
          { where: '--shard' },
        );
      }
      // Shards record their own progress; the manifest's writer would be only the first shard.
      store.create({ ...fresh, writer: undefined, shards: { count: shard.count } });
    }
    const manifest = store.readManifestFile(id);
    checkSameRun(manifest, shard, store);
    checkSamePlan(manifest, opened.plan.methods);
    const range = shardRange(shard, manifest.plannedBatches!);
    const previous = store.readShards(id).find((r) => r.index === shard.index && r.count === shard.count);
    const writer = new ShardWriter(
      store,
      id,
      manifest.methods.map((m) => m.id),
      ShardWriter.recordFor(shard, range, previous),
      options.onProgress,
    );
    const skip = range.start + writer.record.batches.length;
    let stopped = false;
    try {
      if (skip < range.end) {
        const limit = Math.min(config.dataset.limit ?? Infinity, range.end * config.dataset.batchSize);
        stopped = await streamBatches(config, opened, writer, options, { skip, limit, left: range.end - skip });
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      writer.update({ status: 'failed', error: message, updatedAt: new Date().toISOString() });
      throw error;
    }
    const now = new Date().toISOString();
    writer.update(
      stopped ? { status: 'incomplete', updatedAt: now } : { status: 'complete', updatedAt: now, finishedAt: now },
    );
    const merged = !stopped && mergeRun(store, id).status === 'complete';
    return result(store, id, shard, range, merged);
  } finally {
    opened.close();
  }
}

/**
 * Writes a sharded run's manifest with every shard's progress folded in (`gradlens merge`, and
 * the last shard to finish). The manifest becomes `complete` once every shard is; otherwise it
 * is written as far as it goes and the shards still running keep recording. Idempotent.
 */
export function mergeRun(store: RunStore, id: string): Manifest {
  const file = store.readManifestFile(id);
  if (!file.shards) {
    throw new GradlensError(`run '${id}' is not sharded; there is nothing to merge`, { where: '--run' });
  }
  if (file.status === 'complete') return file;
  const merged = store.read(id);
  // Written only once complete: a partial merge could hide a shard's later progress otherwise.
  if (merged.status === 'complete') store.write(merged);
  return merged;
}

/** Which shards have not completed, for `gradlens merge` to name. */
export function unfinishedShards(store: RunStore, id: string): number[] {
  return missingShards(store.readManifestFile(id), store.readShards(id));
}

function checkSameRun(manifest: Manifest, shard: ShardSpec, store: RunStore): void {
  if (manifest.shards?.count !== shard.count) {
    const was = manifest.shards ? `${manifest.shards.count} shards` : 'not sharded';
    throw new GradlensError(
      `run '${manifest.id}' in ${store.root} exists and is ${was}; every shard must give the same count, or choose another id`,
      { where: '--shard' },
    );
  }
}

/** Shards started from different configs would write different maps under one run. */
function checkSamePlan(manifest: Manifest, methods: { id: string; plugin: string; options: unknown }[]): void {
  const mine = canonical(methods.map((m) => [m.id, m.plugin, m.options]));
  const run = canonical(manifest.methods.map((m) => [m.id, m.plugin, m.options]));
  if (mine !== run) {
    throw new GradlensError(
      `this shard's methods differ from those run '${manifest.id}' was planned with; start every shard from the same config`,
      { where: '--shard' },
    );
  }
}

function result(
  store: RunStore,
  id: string,
  shard: ShardSpec,
  range: { start: number; end: number },
  merged: boolean,
): ShardResult {
  return { id, dir: store.where(id), manifest: store.read(id), shard, range, merged };
}

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
        : v,
  );
}
