import { Hono } from 'hono';
import { z } from 'zod';
import {
  bestMethod,
  curveFile,
  failingSanity,
  type Manifest,
  metricFile,
  type MetricRecord,
  type RunStore,
  SafeId,
  SANITY_THRESHOLD,
  summariseMetric,
} from '../../../core/index.ts';
import { arrayBytes, arrayHeaders } from '../lib/arrays.ts';
import { findBatch, readFloat, readManifest } from '../lib/data.ts';
import { notFound } from '../lib/errors.ts';
import { ArrayQuery, BatchParam, parseOr400, RunParam } from '../lib/params.ts';

const MetricParam = RunParam.extend({ metric: SafeId });
const ArrayParam = BatchParam.extend({ metric: SafeId, method: SafeId, array: SafeId });

/**
 * The run's metrics, read-only from the run store:
 *
 * - `GET /api/runs/:run/metrics`: every metric's record (options, direction, category, curves'
 *   axes) with, per method, the run-wide mean and 95% interval, the best method and, for the
 *   sanity checks, the methods that fail them.
 * - `GET /api/runs/:run/batches/:batch/metrics`: per-sample values, `{ metric: { method: [N] } }`
 *   (null where a value is NaN), the grid's sort keys.
 * - `GET /api/runs/:run/metrics/:metric/curves`: each curve's mean over the run, per method.
 * - `GET /api/runs/:run/batches/:batch/metrics/:metric/:method/:array`: a curve `[N, K]` or a
 *   stored array (the randomised maps) as float32 or `.npy`, `?sample=i` for one sample.
 */
export function metricRoutes(store: RunStore): Hono {
  const app = new Hono();
  app.get('/:run/metrics', (c) => {
    const { run } = parseOr400(RunParam, c.req.param(), 'run');
    const manifest = readManifest(store, run);
    const metrics = (manifest.metrics ?? []).map((record) => {
      const summary = summariseMetric(store, manifest, record);
      return { ...record, summary, best: bestMethod(record, summary), failing: failingSanity(record, summary) };
    });
    return c.json({ run, sanityThreshold: SANITY_THRESHOLD, metrics }, 200, { 'Cache-Control': 'no-cache' });
  });
  app.get('/:run/batches/:batch/metrics', (c) => {
    const { run, batch } = parseOr400(BatchParam, c.req.param(), 'batch');
    const manifest = readManifest(store, run);
    findBatch(store, manifest, batch);
    const values: Record<string, Record<string, (number | null)[]>> = {};
    for (const record of manifest.metrics ?? []) {
      if (!record.batches.includes(batch)) continue;
      for (const method of record.methods) {
        const v = readFloat(store, run, batch, metricFile(method, record.id)).data;
        (values[record.id] ??= {})[method] = Array.from(v, (x) => (Number.isFinite(x) ? x : null));
      }
    }
    return c.json({ run, batch, values });
  });
  app.get('/:run/metrics/:metric/curves', (c) => {
    const { run, metric } = parseOr400(MetricParam, c.req.param(), 'metric');
    const manifest = readManifest(store, run);
    const record = findMetric(manifest, metric);
    const curves = record.curves.map((curve) => {
      const methods: Record<string, number[]> = {};
      for (const method of record.methods) {
        const k = curve.x.length;
        const sum = new Float64Array(k);
        let rows = 0;
        for (const batch of record.batches) {
          const y = readFloat(store, run, batch, curveFile(method, record.id, curve.name)).data;
          for (let i = 0; i < y.length / k; i++) {
            for (let j = 0; j < k; j++) sum[j] += y[i * k + j];
            rows++;
          }
        }
        methods[method] = Array.from(sum, (v) => v / Math.max(1, rows));
      }
      return { ...curve, methods };
    });
    return c.json({ run, metric, curves });
  });
  app.get('/:run/batches/:batch/metrics/:metric/:method/:array', (c) => {
    const { run, batch, metric, method, array } = parseOr400(ArrayParam, c.req.param(), 'metric array');
    const q = parseOr400(ArrayQuery.extend({ format: z.enum(['f32', 'npy']).default('f32') }), c.req.query(), 'query');
    const manifest = readManifest(store, run);
    findBatch(store, manifest, batch);
    const record = findMetric(manifest, metric);
    if (!record.methods.includes(method)) throw notFound(`metric '${metric}' does not judge '${method}'`);
    const names = [...record.curves.map((x) => x.name), ...record.arrays.map((x) => x.name)];
    if (!names.includes(array)) {
      throw notFound(`metric '${metric}' stores no '${array}'; it stores ${names.join(', ') || 'values only'}`);
    }
    if (!record.batches.includes(batch)) throw notFound(`metric '${metric}' has not evaluated batch ${batch}`);
    const data = readFloat(store, run, batch, curveFile(method, metric, array));
    const { bytes, shape } = arrayBytes(data, q.format, q.sample);
    const name = `${run}-b${batch}-${method}-${metric}-${array}`;
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, arrayHeaders(name, q.format, shape, q.sample));
  });
  return app;
}

function findMetric(manifest: Manifest, metric: string): MetricRecord {
  const record = (manifest.metrics ?? []).find((m) => m.id === metric);
  if (!record) {
    const known = (manifest.metrics ?? []).map((m) => m.id);
    throw notFound(`run '${manifest.id}' has no metric '${metric}'; it has ${known.join(', ') || 'none'}`);
  }
  return record;
}
