import { Hono } from 'hono';
import { existsSync } from 'node:fs';
import { BATCH_FILES, type RunStore } from '../../../core/index.ts';
import { sendCached } from '../lib/arrays.ts';
import { findBatch } from '../lib/data.ts';
import { BatchParam, parseOr400, VersionQuery } from '../lib/params.ts';
import { ServeCache } from '../lib/serve-cache.ts';

/**
 * `GET /api/runs/:run/batches/:batch`: one batch's samples as JSON: ids, labels (null without
 * labels), targets, predictions, probabilities `[N][K]`, class names and per-sample statistics
 * by method. Built once per finished batch and served from memory (see ServeCache).
 */
export function sampleRoutes(store: RunStore, cache = new ServeCache(store)): Hono {
  const app = new Hono();
  app.get('/:run/batches/:batch', (c) => {
    const { run, batch } = parseOr400(BatchParam, c.req.param(), 'batch');
    parseOr400(VersionQuery, c.req.query(), 'query');
    const manifest = cache.manifest(run, batch);
    const record = findBatch(store, manifest, batch);
    const headers = { 'Content-Type': 'application/json; charset=utf-8' };
    return sendCached(c, cache, manifest, `${batch}/samples`, headers, async () => {
      const read = (file: string, expected: (number | null)[] = [record.size]) =>
        cache.array(manifest, batch, file, expected);
      const optional = async (file: string) => {
        if (!existsSync(store.batchFile(run, batch, file))) return null;
        return Array.from((await read(file)).data);
      };
      const probs = await read(BATCH_FILES.probabilities, [record.size, null]);
      const k = probs.shape[1] ?? 1;
      const stats: Record<string, Record<string, number[]>> = {};
      for (const m of manifest.methods) {
        for (const stat of m.perSample) {
          (stats[m.id] ??= {})[stat] = Array.from((await read(`stats/${m.id}.${stat}.npy`)).data);
        }
      }
      const json = JSON.stringify({
        run,
        batch,
        size: record.size,
        ids: store.readIds(run, batch),
        labels: await optional(BATCH_FILES.labels),
        targets: await optional(BATCH_FILES.targets),
        predictions: Array.from((await read(BATCH_FILES.predictions)).data),
        probabilities: Array.from(
          { length: record.size },
          (_, i) => Array.from(probs.data.subarray(i * k, (i + 1) * k)),
        ),
        classNames: manifest.model.classNames ?? null,
        stats,
      });
      return new TextEncoder().encode(json);
    });
  });
  return app;
}
