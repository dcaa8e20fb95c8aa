import { Hono } from 'hono';
import type { RunStore } from '../../../core/runs/store.ts';
import { listRuns, readManifest } from '../data.ts';
import { parseOr400, RunParam } from '../params.ts';

/** `GET /api/runs` (summaries), `/api/runs/:run` (the manifest), `/api/runs/:run/batches`. */
export function runRoutes(store: RunStore): Hono {
  const app = new Hono();
  app.get('/', (c) => c.json({ root: store.root, runs: listRuns(store) }));
  app.get('/:run', (c) => {
    const { run } = parseOr400(RunParam, c.req.param(), 'run id');
    return c.json(readManifest(store, run));
  });
  app.get('/:run/batches', (c) => {
    const { run } = parseOr400(RunParam, c.req.param(), 'run id');
    const m = readManifest(store, run);
    return c.json({ run, status: m.status, plannedBatches: m.plannedBatches ?? null, batches: m.batches });
  });
  return app;
}
