import { Hono } from 'hono';
import type { QueueStatus, RunStore } from '../../../core/index.ts';
import { readManifest } from '../lib/data.ts';
import { parseOr400, RunParam } from '../lib/params.ts';

/** One shard of a sharded run, as the dashboard shows it. */
export interface ShardView {
  index: number;
  /** Its batches: `[start, end)`. */
  start: number;
  end: number;
  status: string;
  /** Batches it has written. */
  done: number;
  updatedAt: string;
  error?: string;
}

/** How a run is spread: its shards (when sharded) and its queue (when queued). */
export interface Distribution {
  run: string;
  /** Shards the run was split into, or null when it was not. */
  shardCount: number | null;
  /** The shards that have started, by index. */
  shards: ShardView[];
  /** The queue's last state as the enqueuing process wrote it, or null when not queued. */
  queue: QueueStatus | null;
}

/**
 * `GET /api/runs/:run/distribution`: read-only, from the runs directory alone (shard records and
 * `queue.json`); the server never talks to Redis.
 */
export function distributionRoutes(store: RunStore): Hono {
  const app = new Hono();
  app.get('/:run/distribution', (c) => {
    const { run } = parseOr400(RunParam, c.req.param(), 'run id');
    const m = readManifest(store, run);
    const count = m.shards?.count ?? null;
    const shards = count === null ? [] : store.readShards(run)
      .filter((r) => r.count === count)
      .map((r): ShardView => ({
        index: r.index,
        start: r.start,
        end: r.end,
        status: r.status,
        done: r.batches.length,
        updatedAt: r.updatedAt,
        ...(r.error ? { error: r.error } : {}),
      }));
    const queue = m.queue ? store.readQueueStatus(run) ?? null : null;
    return c.json({ run, shardCount: count, shards, queue } satisfies Distribution);
  });
  return app;
}
