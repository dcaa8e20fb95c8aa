import { Hono } from 'hono';
import { BATCH_FILES, type RunStore } from '../../../core/index.ts';
import { findBatch, readFloat, readInts, readManifest } from '../lib/data.ts';
import { BatchParam, parseOr400 } from '../lib/params.ts';

/**
 * `GET /api/runs/:run/batches/:batch`: one batch's samples as JSON: ids, labels (null without
 * labels), targets, predictions, probabilities `[N][K]`, class names and per-sample statistics
 * by method.
 */
export function sampleRoutes(store: RunStore): Hono {
  const app = new Hono();
  app.get('/:run/batches/:batch', (c) => {
    const { run, batch } = parseOr400(BatchParam, c.req.param(), 'batch');
    const manifest = readManifest(store, run);
    const record = findBatch(store, manifest, batch);
    const probs = readFloat(store, run, batch, BATCH_FILES.probabilities, [record.size, null]);
    const k = probs.shape[1] ?? 1;
    const stats: Record<string, Record<string, number[]>> = {};
    for (const m of manifest.methods) {
      for (const stat of m.perSample) {
        (stats[m.id] ??= {})[stat] = Array.from(
          readFloat(store, run, batch, `stats/${m.id}.${stat}.npy`, [record.size]).data,
        );
      }
    }
    return c.json({
      run,
      batch,
      size: record.size,
      ids: store.readIds(run, batch),
      labels: readInts(store, run, batch, BATCH_FILES.labels, record.size),
      targets: readInts(store, run, batch, BATCH_FILES.targets, record.size),
      predictions: readInts(store, run, batch, BATCH_FILES.predictions, record.size),
      probabilities: Array.from({ length: record.size }, (_, i) => Array.from(probs.data.subarray(i * k, (i + 1) * k))),
      classNames: manifest.model.classNames ?? null,
      stats,
    });
  });
  return app;
}
