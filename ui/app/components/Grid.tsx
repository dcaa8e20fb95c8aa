import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
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
  const cell = useCellSize(ref, view.methods.length + 1, view.layout.kind === 'image', view.runs.length > 1);
  // Roving focus: one cell is in the tab order; the arrow keys move it, Enter opens it.
  const [wanted, setFocus] = useState<[number, number]>([0, -1]);
  // Kept within the rows and columns shown, so one cell is always in the tab order.
  const focus: [number, number] = [
    Math.max(0, Math.min(rows.length - 1, wanted[0])),
    Math.max(-1, Math.min(view.methods.length - 1, wanted[1])),
  ];
  const onKey = (e: KeyboardEvent) => {
    const [r, m] = focus;
    const moves: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
      Home: [0, -99999],
      End: [0, 99999],
    };
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      if (rows[r] !== undefined) props.onOpen(rows[r], m);
      return;
    }
    const d = moves[e.key];
    if (!d) return;
    e.preventDefault();
    const next: [number, number] = [
      Math.max(0, Math.min(rows.length - 1, r + d[0])),
      Math.max(-1, Math.min(view.methods.length - 1, m + d[1])),
    ];
    setFocus(next);
    ref.current?.querySelector<HTMLElement>(`[data-row='${next[0]}'][data-method='${next[1]}']`)?.focus();
  };
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
      data-cell={cell}
      style={{ '--cell': `${cell}px` }}
      role='grid'
      aria-label={`maps of batch ${view.batch + 1}: one row per sample, the input then one column per method`}
      aria-rowcount={rows.length + 1}
      onKeyDown={onKey}
    >
      <div class='grid-row head' role='row'>
        <div class='row-info' role='columnheader'>sample</div>
        <div class='col-head' role='columnheader'>input</div>
        {view.methods.map((m, j) => (
          <div
            class={`col-head run-${m.runIndex % 4}`}
            key={`${m.run}/${m.id}`}
            data-run={m.run}
            data-label={m.name}
            role='columnheader'
          >
            <div class='col-name' title={m.signed ? 'signed map' : 'unsigned map'}>{m.id}{m.signed ? ' (±)' : ''}</div>
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
      {rows.map((s, r) => {
        const info = view.info[s];
        const wrong = view.runs.some((r) => r.info[s].label !== null && r.info[s].label !== r.info[s].prediction);
        const id = view.samples.ids[s];
        const cellProps = (m: number, label: string) => ({
          'data-sample': s,
          'data-method': m,
          'data-row': r,
          role: 'gridcell' as const,
          tabIndex: focus[0] === r && focus[1] === m ? 0 : -1,
          'aria-label': `${label}, sample ${id}; Enter opens the sample view`,
          onClick: () => props.onOpen(s, m),
          onFocus: () => setFocus([r, m]),
        });
        return (
          <div class={`grid-row ${wrong ? 'wrong' : ''}`} key={s} data-sample={s} role='row'>
            <div class='row-info' role='rowheader'>
              <div class='sample-id' title={`sample ${id}, row ${s + 1} of batch ${view.batch + 1}`}>
                sample {id}
              </div>
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
            <canvas class='cell input' {...cellProps(-1, 'input')} />
            {view.methods.map((m, j) => (
              <canvas
                class='cell map'
                key={`${m.run}/${m.id}`}
                title={`${m.name}, sample ${id}`}
                {...cellProps(j, m.name)}
              />
            ))}
          </div>
        );
      })}
    </div>
  );
}

/**
 * The side of a grid cell in CSS pixels: the free width of the grid's container shared by the
 * columns, between a floor that keeps 1024 px screens readable and a ceiling past which a larger
 * cell shows nothing more. Follows the container as the window is resized.
 */
function useCellSize(
  ref: { current: HTMLElement | null },
  columns: number,
  image: boolean,
  comparing: boolean,
): number {
  const [min, max, fallback] = image ? [52, 168, 84] : [120, 320, 180];
  const [size, setSize] = useState(fallback);
  useLayoutEffect(() => {
    const box = ref.current?.parentElement;
    if (!box) return;
    const measure = () => {
      const info = comparing ? 210 : 180;
      const free = box.clientWidth - info - columns * 6 - 8;
      const next = Math.max(min, Math.min(max, Math.floor(free / columns)));
      setSize((s) => (s === next ? s : next));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    return () => observer.disconnect();
  }, [columns, image, comparing]);
  return size;
}
