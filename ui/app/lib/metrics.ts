/** The page's view of a run's metrics (ui/server/routes/metrics.ts), and how it loads them. */
import type { CurveRecord, MetricRecord } from '../../../core/index.ts';
import type { ArrayData } from '../../render/batch.ts';
import { getArray, getJson } from './api.ts';

export interface MetricSummaryRow {
  method: string;
  n: number;
  mean: number;
  low: number;
  high: number;
}

/** A metric as `GET /api/runs/:run/metrics` gives it. */
export interface RunMetric extends MetricRecord {
  summary: MetricSummaryRow[];
  best: string | null;
  failing: string[];
}

export interface RunMetrics {
  run: string;
  sanityThreshold: number;
  metrics: RunMetric[];
}

/** A curve's run mean per method. */
export interface MeanCurve extends CurveRecord {
  methods: Record<string, number[]>;
}

export function loadRunMetrics(run: string): Promise<RunMetrics> {
  return getJson<RunMetrics>(`/runs/${run}/metrics`);
}

export async function loadMeanCurves(run: string, metric: string): Promise<MeanCurve[]> {
  return (await getJson<{ curves: MeanCurve[] }>(`/runs/${run}/metrics/${metric}/curves`)).curves;
}

/** Per-sample values of a batch: metric -> method -> `[N]` (null for NaN). */
export async function loadBatchMetrics(
  run: string,
  batch: number,
): Promise<Record<string, Record<string, (number | null)[]>>> {
  return (await getJson<{ values: Record<string, Record<string, (number | null)[]>> }>(
    `/runs/${run}/batches/${batch}/metrics`,
  )).values;
}

/** One sample's curve or stored array (e.g. the randomised maps `[L, H, W]`). */
export function loadMetricArray(
  run: string,
  batch: number,
  metric: string,
  method: string,
  name: string,
  sample: number,
): Promise<ArrayData> {
  return getArray(`/runs/${run}/batches/${batch}/metrics/${metric}/${method}/${name}?sample=${sample}`);
}

/** The methods a metric summary lists, in the run's order, across every metric. */
export function methodsOf(metrics: RunMetric[]): string[] {
  const out: string[] = [];
  for (const m of metrics) for (const s of m.summary) if (!out.includes(s.method)) out.push(s.method);
  return out;
}
