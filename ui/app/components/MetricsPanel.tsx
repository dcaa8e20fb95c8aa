import { useEffect, useState } from 'preact/hooks';
import {
  loadMeanCurves,
  loadMetricArray,
  loadRunMetrics,
  type MeanCurve,
  type RunMetric,
  type RunMetrics,
} from '../lib/metrics.ts';
import { CurveChart } from './CurveChart.tsx';
import { MetricsTable } from './MetricsTable.tsx';
import { SanityView } from './SanityView.tsx';

/**
 * The run's metrics below the grid: the table (methods by metrics), the curves of every metric
 * that stores some (the run's mean per method, and the selected sample dashed), and the sanity
 * check view of the randomisation metrics that store their maps. Reloads when the run changes
 * (`version`: its manifest's update time).
 */
export function MetricsPanel(
  props: { run: string; batch: number; size: number; version: string; onFailing?: (f: Record<string, string>) => void },
) {
  const [data, setData] = useState<RunMetrics | null>(null);
  const [sample, setSample] = useState(0);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    loadRunMetrics(props.run).then((d) => {
      setData(d);
      const failing: Record<string, string> = {};
      for (const m of d.metrics) {
        for (const method of m.failing) {
          failing[method] = failing[method] ? `${failing[method]}, ${m.id}` : `fails the sanity check: ${m.id}`;
        }
      }
      props.onFailing?.(failing);
    }).catch((e) => setError((e as Error).message));
  }, [props.run, props.version]);
  useEffect(() => setSample(0), [props.run, props.batch]);
  if (error) return <p class='error'>metrics: {error}</p>;
  if (!data || data.metrics.length === 0) return null;
  const withCurves = data.metrics.filter((m) => m.curves.length > 0 && !m.arrays.some((a) => a.name === 'maps'));
  const sanity = data.metrics.filter((m) => m.arrays.some((a) => a.name === 'maps'));
  const current = Math.min(sample, Math.max(0, props.size - 1));
  return (
    <section class='metrics-panel' id='metrics-panel'>
      <h2>Metrics</h2>
      <MetricsTable metrics={data.metrics} />
      <label class='metrics-sample'>
        sample of batch {props.batch + 1}:{' '}
        <input
          id='metrics-sample'
          type='number'
          min={0}
          max={Math.max(0, props.size - 1)}
          value={current}
          onInput={(e) => setSample(Number((e.target as HTMLInputElement).value) || 0)}
        />
      </label>
      <div class='charts'>
        {withCurves.map((m) => (
          <MetricCurves key={m.id} run={props.run} batch={props.batch} sample={current} metric={m} />
        ))}
      </div>
      {sanity.map((m) => (
        <SanityView
          key={m.id}
          run={props.run}
          batch={props.batch}
          sample={current}
          metric={m}
          threshold={data.sanityThreshold}
        />
      ))}
    </section>
  );
}

/** A metric's curves: the run mean per method, and the selected sample's (dashed). */
function MetricCurves(props: { run: string; batch: number; sample: number; metric: RunMetric }) {
  const { run, batch, sample, metric } = props;
  const [mean, setMean] = useState<MeanCurve[]>([]);
  const [own, setOwn] = useState<Record<string, number[]>>({});
  useEffect(() => {
    loadMeanCurves(run, metric.id).then(setMean).catch(() => setMean([]));
  }, [run, metric.id, metric.batches.length]);
  useEffect(() => {
    if (!metric.batches.includes(batch)) return setOwn({});
    const jobs = metric.curves.flatMap((c) =>
      metric.methods.map(async (method) =>
        [
          `${c.name}/${method}`,
          Array.from((await loadMetricArray(run, batch, metric.id, method, c.name, sample)).data),
        ] as const
      )
    );
    Promise.all(jobs).then((entries) => setOwn(Object.fromEntries(entries))).catch(() => setOwn({}));
  }, [run, batch, sample, metric.id]);
  return (
    <>
      {mean.map((c) => (
        <CurveChart
          key={c.name}
          id={`curve-${metric.id}-${c.name}`}
          title={`${metric.id}: ${c.name}`}
          x={c.x}
          labels={c.labels}
          xLabel={c.xLabel}
          yLabel={c.yLabel}
          series={[
            ...Object.entries(c.methods).map(([name, values]) => ({ name, values })),
            ...metric.methods.filter((m) => own[`${c.name}/${m}`]).map((m) => ({
              name: m,
              values: own[`${c.name}/${m}`],
              dashed: true,
            })),
          ]}
        />
      ))}
    </>
  );
}
