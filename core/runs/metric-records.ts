/**
 * Metric results in a run: the manifest's record of each metric (options as used, direction,
 * curves' axes, batches evaluated) and the files of one batch's results, written beside its maps.
 */
import type { PlannedMetric } from '../pipeline/metric-plan.ts';
import type { MetricResult } from '../pipeline/metrics.ts';
import type { MetricPlugin } from '../plugins/types.ts';
import { curveFile, metricFile, type MetricRecord } from './manifest.ts';
import type { RunStore } from './store.ts';

/** The manifest's record of a planned metric, before any batch is evaluated. */
export function metricRecord(planned: PlannedMetric, plugin: MetricPlugin): MetricRecord {
  return {
    id: planned.id,
    plugin: planned.plugin,
    options: planned.options,
    description: plugin.description,
    reference: plugin.reference,
    category: plugin.category,
    higherIsBetter: plugin.higherIsBetter,
    needs: [...plugin.needs],
    methods: planned.methods,
    curves: [],
    arrays: [],
    batches: [],
  };
}

/** Writes a batch's metric values, curves and arrays (atomically, each its own `.npy`). */
export function writeMetricFiles(store: RunStore, runId: string, batch: number, n: number, results: MetricResult[]) {
  for (const r of results) {
    store.writeArray(runId, batch, metricFile(r.method, r.metric), r.values, [n]);
    for (const c of r.curves) {
      store.writeArray(runId, batch, curveFile(r.method, r.metric, c.name), c.y, [n, c.x.length]);
    }
    for (const a of r.arrays) {
      store.writeArray(runId, batch, curveFile(r.method, r.metric, a.name), a.values, [n, ...a.shape]);
    }
  }
}

/** The records with `batch` marked evaluated and the curves' axes filled in from its results. */
export function recordEvaluated(records: MetricRecord[], batch: number, results: MetricResult[]): MetricRecord[] {
  return records.map((record) => {
    const mine = results.filter((r) => r.metric === record.id);
    if (mine.length === 0) return record;
    const curves = record.curves.length > 0 ? record.curves : (mine[0].curves.map(({ y: _, ...axis }) => axis));
    const arrays = record.arrays.length > 0
      ? record.arrays
      : mine[0].arrays.map(({ name, shape }) => ({ name, shape }));
    const batches = [...new Set([...record.batches, batch])].sort((a, b) => a - b);
    return { ...record, curves, arrays, batches };
  });
}
