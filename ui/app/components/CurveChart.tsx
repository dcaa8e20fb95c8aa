/** A small SVG line chart: one line per series over a shared x axis (metric curves). */
export interface Series {
  name: string;
  values: number[];
  /** Dashed: e.g. the selected sample beside the run's mean. */
  dashed?: boolean;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const W = 340;
const H = 190;
const PAD = { left: 40, right: 8, top: 8, bottom: 36 };

export function CurveChart(
  props: {
    id?: string;
    title: string;
    x: number[];
    labels?: string[];
    xLabel: string;
    yLabel: string;
    series: Series[];
  },
) {
  const all = props.series.flatMap((s) => s.values).filter(Number.isFinite);
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (hi === lo) [lo, hi] = [lo - 0.5, hi + 0.5];
  const x0 = props.x[0] ?? 0;
  const x1 = props.x[props.x.length - 1] ?? 1;
  const px = (x: number) => PAD.left + ((x - x0) / (x1 - x0 || 1)) * (W - PAD.left - PAD.right);
  const py = (y: number) => H - PAD.bottom - ((y - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const names = [...new Set(props.series.map((s) => s.name))];
  return (
    <figure class='curve-chart' id={props.id} data-series={props.series.length}>
      <figcaption>{props.title}</figcaption>
      <svg width={W} height={H} viewBox={`0 0 ${W} ${H}`} role='img' aria-label={props.title}>
        <line x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} stroke='#888' />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} stroke='#888' />
        <text x={PAD.left - 4} y={PAD.top + 8} text-anchor='end' font-size='9'>{fmtTick(hi)}</text>
        <text x={PAD.left - 4} y={H - PAD.bottom} text-anchor='end' font-size='9'>{fmtTick(lo)}</text>
        {props.x.map((x, i) =>
          props.labels || i === 0 || i === props.x.length - 1
            ? (
              <text key={i} x={px(x)} y={H - PAD.bottom + 11} text-anchor='middle' font-size='9'>
                {props.labels?.[i] ?? fmtTick(x)}
              </text>
            )
            : null
        )}
        <text x={(W + PAD.left) / 2} y={H - 6} text-anchor='middle' font-size='10'>{props.xLabel}</text>
        {props.series.map((s) => (
          <polyline
            key={`${s.name}${s.dashed ? '-sample' : ''}`}
            class='series'
            data-name={s.name}
            fill='none'
            stroke={COLORS[names.indexOf(s.name) % COLORS.length]}
            stroke-width='1.5'
            stroke-dasharray={s.dashed ? '4 3' : undefined}
            points={s.values.map((v, i) => `${px(props.x[i]).toFixed(1)},${py(v).toFixed(1)}`).join(' ')}
          />
        ))}
      </svg>
      <div class='legend'>
        <span class='muted'>{props.yLabel}</span>
        {names.map((n, i) => <span key={n} style={{ color: COLORS[i % COLORS.length] }}>■ {n}</span>)}
        {props.series.some((s) => s.dashed) && <span class='muted'>dashed: selected sample</span>}
      </div>
    </figure>
  );
}

function fmtTick(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(2)).toString();
}
