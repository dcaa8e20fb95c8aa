import { existsSync } from 'node:fs';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { RunStore } from '../../../core/index.ts';
import { readManifest } from '../lib/data.ts';
import { runStamp } from '../lib/run-stamp.ts';
import { parseOr400, RunParam } from '../lib/params.ts';

/** How often a run's events stream looks at the manifest, and how long it waits for one to appear. */
const WATCH_MS = 250;
const APPEAR_MS = 60_000;

/**
 * `GET /api/runs` (summaries), `/api/runs/:run` (the manifest), `/api/runs/:run/batches`, and
 * `/api/runs/:run/events`: server-sent events with the manifest each time it changes (`manifest`)
 * while the run is being written, here or by the CLI, then `end`. A run not there yet (just
 * launched) is waited for up to a minute.
 */
export function runRoutes(store: RunStore): Hono {
  const app = new Hono();
  app.get('/', (c) => c.json({ root: store.root, runs: store.list() }));
  app.get('/:run', (c) => {
    const { run } = parseOr400(RunParam, c.req.param(), 'run id');
    return c.json(readManifest(store, run));
  });
  app.get('/:run/batches', (c) => {
    const { run } = parseOr400(RunParam, c.req.param(), 'run id');
    const m = readManifest(store, run);
    return c.json({ run, status: m.status, plannedBatches: m.plannedBatches ?? null, batches: m.batches });
  });
  app.get('/:run/events', (c) => {
    const { run } = parseOr400(RunParam, c.req.param(), 'run id');
    const path = store.path(run, 'manifest.json');
    return streamSSE(c, async (stream) => {
      let seen = '';
      const started = Date.now();
      while (!stream.aborted) {
        if (!existsSync(path)) {
          if (Date.now() - started > APPEAR_MS) {
            await stream.writeSSE({ event: 'end', data: `no run '${run}' appeared` });
            return;
          }
        } else {
          const stamp = runStamp(store, run);
          if (stamp !== seen) {
            seen = stamp;
            let m;
            try {
              m = readManifest(store, run);
            } catch (error) {
              await stream.writeSSE({ event: 'end', data: (error as Error).message });
              return;
            }
            await stream.writeSSE({ event: 'manifest', data: JSON.stringify(m) });
            if (m.status !== 'running') {
              await stream.writeSSE({ event: 'end', data: m.status });
              return;
            }
          }
        }
        await stream.sleep(WATCH_MS);
      }
    });
  });
  return app;
}
