/**
 * A metric over a whole run, per method: the mean over every evaluated sample with a 95%
 * interval (normal approximation, mean +- 1.96 s / sqrt(n)), read from the runs directory. What
 * `gradlens evaluate` prints and the dashboard's metrics table shows.
 */
import { toFloat32 } from '../io/npy.ts';
import type { Manifest, MetricRecord } from './manifest.ts';
import type { RunStore } from './store.ts';

export interface MetricSummary {
  method: string;
  /** Samples with a finite value. */
  n: number;
  mean: number;
  /** The 95% interval of the mean. */
  low: number;
  high: number;
}

/** Per method, the run-wide mean and 95% interval of `record`'s values. */
export function summariseMetric(store: RunStore, manifest: Manifest, record: MetricRecord): MetricSummary[] {
  return record.methods.map((method) => {
    const values: number[] = [];
    for (const b of record.batches) {
      for (const v of toFloat32(store.readMetric(manifest.id, b, method, record.id).data)) {
        if (Number.isFinite(v)) values.push(v);
      }
    }
    return { method, ...meanInterval(values) };
  });
}

/** Mean and 95% interval of `values` (the interval is the mean itself below two values). */
export function meanInterval(values: number[]): { n: number; mean: number; low: number; high: number } {
  const n = values.length;
  if (n === 0) return { n, mean: NaN, low: NaN, high: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, low: mean, high: mean };
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  const half = 1.96 * Math.sqrt(variance / n);
  return { n, mean, low: mean - half, high: mean + half };
}

/**
 * The bound of the sanity checks: a randomisation metric measures how similar a method's maps
 * stay when they should not (weights randomised, another class), and a method whose run-wide
 * mean is above this fails the check. `.passesRandomisationCheck()` uses the same default; on the
 * Fashion-MNIST example the gradient scores 0.18 and guided backprop 0.48 (docs/metrics.md).
 */
export const SANITY_THRESHOLD = 0.3;

/** The best method of a summary (by the metric's direction), or null when none has a value. */
export function bestMethod(record: MetricRecord, summaries: MetricSummary[]): string | null {
  const finite = summaries.filter((s) => Number.isFinite(s.mean));
  if (finite.length === 0) return null;
  const sign = record.higherIsBetter ? 1 : -1;
  return finite.reduce((best, s) => (sign * s.mean > sign * best.mean ? s : best)).method;
}

/** Methods that fail a randomisation metric's sanity check (empty for other categories). */
export function failingSanity(record: MetricRecord, summaries: MetricSummary[]): string[] {
  if (record.category !== 'randomisation') return [];
  return summaries.filter((s) => Number.isFinite(s.mean) && s.mean > SANITY_THRESHOLD).map((s) => s.method);
}
