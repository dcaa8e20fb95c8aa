import { useEffect, useRef, useState } from 'preact/hooks';
import { getArray } from '../lib/api.ts';
import { loadMeanCurves, loadMetricArray, type MeanCurve, type RunMetric } from '../lib/metrics.ts';
import { colorLut, defaultColorMap } from '../../render/colormaps.ts';
import { displayRange } from '../../render/normalise.ts';
import { paintPlane } from '../../render/paint.ts';
import type { ArrayData } from '../../render/batch.ts';
import { CurveChart } from './CurveChart.tsx';

/**
 * The sanity check of a randomisation metric that stores the maps of each step: for the selected
 * sample, every method's original map and its maps as the layers are randomised (one row per
 * method, failing methods marked), and the run's mean similarity per layer.
 */
export function SanityView(
  props: { run: string; batch: number; sample: number; metric: RunMetric; threshold: number },
) {
  const { run, batch, sample, metric } = props;
  const [rows, setRows] = useState<{ method: string; original: ArrayData; steps: ArrayData }[] | null>(null);
  const [curves, setCurves] = useState<MeanCurve[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setRows(null);
    Promise.all(metric.methods.map(async (method) => ({
      method,
      original: await getArray(`/runs/${run}/batches/${batch}/maps/${method}?sample=${sample}`),
      steps: await loadMetricArray(run, batch, metric.id, method, 'maps', sample),
    }))).then(setRows).catch((e) => setError((e as Error).message));
  }, [run, batch, sample, metric.id]);
  useEffect(() => {
    loadMeanCurves(run, metric.id).then(setCurves).catch((e) => setError((e as Error).message));
  }, [run, metric.id, metric.batches.length]);
  const layers = metric.curves[0]?.labels ?? [];
  return (
    <section class='sanity' id={`sanity-${metric.id}`}>
      <h3>
        Sanity check: {metric.id}{' '}
        <span class='muted'>
          (maps as layers are randomised from the top; a method whose mean similarity exceeds {props.threshold} fails)
        </span>
      </h3>
      {error && <p class='error'>{error}</p>}
      <div class='sanity-rows'>
        <div class='sanity-row head'>
          <div class='sanity-method'>method</div>
          <div class='sanity-cell'>original</div>
          {layers.map((l, i) => <div class='sanity-cell' key={l} title={l}>+{i + 1} {l}</div>)}
        </div>
        {rows?.map((r) => (
          <div
            class={`sanity-row ${metric.failing.includes(r.method) ? 'failing' : ''}`}
            key={r.method}
            data-method={r.method}
          >
            <div class='sanity-method'>
              {r.method}
              {metric.failing.includes(r.method)
                ? <span class='badge fail-badge'>fails</span>
                : <span class='badge pass-badge'>passes</span>}
            </div>
            <MapCanvas plane={r.original.data} shape={r.original.shape} />
            {layers.map((l, i) => {
              const size = r.original.data.length;
              return (
                <MapCanvas key={l} plane={r.steps.data.subarray(i * size, (i + 1) * size)} shape={r.original.shape} />
              );
            })}
          </div>
        ))}
      </div>
      <div class='charts'>
        {curves.map((c) => (
          <CurveChart
            key={c.name}
            id={`sanity-${metric.id}-${c.name}`}
            title={`${c.name} with the original map (run mean)`}
            x={c.x}
            labels={c.labels}
            xLabel={c.xLabel}
            yLabel={c.yLabel}
            series={Object.entries(c.methods).map(([name, values]) => ({ name, values }))}
          />
        ))}
      </div>
    </section>
  );
}

/** One map `[H, W]` (or a row of values) painted with the unsigned colour map. */
function MapCanvas({ plane, shape }: { plane: Float32Array; shape: number[] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current!;
    const [h, w] = shape.length >= 2 ? [shape[0], plane.length / shape[0]] : [1, plane.length];
    canvas.width = w;
    canvas.height = h;
    const abs = Float32Array.from(plane, Math.abs);
    const rgba = paintPlane(
      abs,
      displayRange(abs, false),
      colorLut(defaultColorMap(false)),
      new Uint8ClampedArray(w * h * 4),
    );
    canvas.getContext('2d')!.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, w, h), 0, 0);
    canvas.dataset.drawn = '1';
  }, [plane, shape]);
  return <canvas class='sanity-cell map' ref={ref} />;
}
