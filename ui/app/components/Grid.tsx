import { useEffect, useRef } from 'preact/hooks';
import { drawCell } from '../lib/draw.ts';
import { fmt } from '../lib/format.ts';
import type { ValueRange } from '../../render/normalise.ts';
import { confidence, loss } from '../../render/batch.ts';
import type { View } from '../lib/view.ts';
import { ColorBar } from './ColorBar.tsx';

export interface GridProps {
  view: View;
  ranges: ValueRange[][];
  luts: Uint8Array[];
  rows: number[];
  overlay: boolean;
  opacity: number;
  norm: 'map' | 'column';
  onOpen: (sample: number, method: number) => void;
  /** Methods of the shown run marked in the header, with why (e.g. a failed sanity check). */
  flags?: Record<string, string>;
}

/**
 * One row per sample: its label, prediction and probability, the input, then one cell per
 * method. With runs compared, every run's columns follow, headed by the run and its model, and
 * each row gives every run's prediction. All cells are painted in one pass after render, from the raw float32 maps.
 */
export function Grid(props: GridProps) {
  const ref = useRef<HTMLDivElement>(null);
  const { view, rows } = props;
  useEffect(() => {
    const root = ref.current!;
    const t0 = performance.now();
    for (const canvas of root.querySelectorAll<HTMLCanvasElement>('canvas.cell')) {
      const s = Number(canvas.dataset.sample);
      const m = Number(canvas.dataset.method);
      const input = { rgba: view.inputs[s], series: view.series?.[s] };
      if (m < 0) {
        drawCell(canvas, view.layout, input);
        continue;
      }
      const method = view.methods[m];
      drawCell(canvas, view.layout, input, {
        plane: method.planes[s],
        rows: method.rows,
        range: props.ranges[m][s],
        lut: props.luts[m],
        overlay: props.overlay ? { base: view.inputs[s], opacity: props.opacity } : undefined,
      });
    }
    root.dataset.drawn = String(Number(root.dataset.drawn ?? 0) + 1);
    root.dataset.drawMs = (performance.now() - t0).toFixed(1);
    (globalThis as { __gridDrawnAt?: number }).__gridDrawnAt = performance.now();
  });
  const names = view.samples.classNames;
  const name = (k: number | null) => (k === null ? '—' : names?.[k] ?? String(k));
  const image = view.layout.kind === 'image';
  const comparing = view.runs.length > 1;
  return (
    <div
      class={`grid ${image ? 'images' : 'series'}${comparing ? ' comparing' : ''}`}
      ref={ref}
      id='grid'
      data-rows={rows.length}
    >
      <div class='grid-row head'>
        <div class='row-info'>sample</div>
        <div class='col-head'>input</div>
        {view.methods.map((m, j) => (
          <div class={`col-head run-${m.runIndex % 4}`} key={`${m.run}/${m.id}`} data-run={m.run} data-label={m.name}>
            <div title={m.signed ? 'signed map' : 'unsigned map'}>{m.id}{m.signed ? ' (±)' : ''}</div>
            {m.runIndex === 0 && props.flags?.[m.id] && (
              <div class='badge fail-badge sanity-flag' title={props.flags[m.id]}>✗ sanity</div>
            )}
            {comparing && (
              <div class='col-run' title={`run ${m.run}, model ${view.runs[m.runIndex].model}`}>
                {m.run} · {view.runs[m.runIndex].model}
              </div>
            )}
            <ColorBar lut={props.luts[j]} range={props.norm === 'column' ? props.ranges[j][0] : undefined} />
          </div>
        ))}
      </div>
      {rows.map((s) => {
        const info = view.info[s];
        const wrong = view.runs.some((r) => r.info[s].label !== null && r.info[s].label !== r.info[s].prediction);
        return (
          <div class={`grid-row ${wrong ? 'wrong' : ''}`} key={s} data-sample={s}>
            <div class='row-info'>
              <div class='sample-id' title={view.samples.ids[s]}>#{s} {view.samples.ids[s]}</div>
              {comparing
                ? view.runs.map((r, k) => {
                  const ri = r.info[s];
                  const bad = ri.label !== null && ri.label !== ri.prediction;
                  const names = r.samples.classNames;
                  const n = (c: number | null) => (c === null ? '—' : names?.[c] ?? String(c));
                  return (
                    <div class={`run-pred run-${k % 4}`} key={r.id} title={`run ${r.id}, model ${r.model}`}>
                      pred <b class={bad ? 'bad' : 'good'}>{n(ri.prediction)}</b> {fmt(confidence(ri))}
                      {ri.label !== null && (k === 0 || ri.label !== view.info[s].label)
                        ? ` (label ${n(ri.label)})`
                        : ''}
                    </div>
                  );
                })
                : (
                  <>
                    <div>
                      label <b>{name(info.label)}</b>
                    </div>
                    <div>
                      pred <b class={wrong ? 'bad' : 'good'}>{name(info.prediction)}</b> {fmt(confidence(info))}
                    </div>
                    {info.label !== null && <div class='muted'>loss {fmt(loss(info))}</div>}
                  </>
                )}
            </div>
            <canvas class='cell input' data-sample={s} data-method={-1} onClick={() => props.onOpen(s, -1)} />
            {view.methods.map((m, j) => (
              <canvas
                class='cell map'
                key={`${m.run}/${m.id}`}
                data-sample={s}
                data-method={j}
                title={`${m.name}, sample ${s}`}
                onClick={() => props.onOpen(s, j)}
              />
            ))}
          </div>
        );
      })}
    </div>
  );
}
