import { useEffect, useRef, useState } from 'preact/hooks';
import { download, saveBlob } from '../lib/api.ts';
import { cellSize, drawCell, SERIES_LINE, SERIES_ROW } from '../lib/draw.ts';
import { fmt } from '../lib/format.ts';
import { agreements } from '../../render/batch.ts';
import type { ValueRange } from '../../render/normalise.ts';
import type { View } from '../lib/view.ts';
import { Agreement } from './Agreement.tsx';
import { ColorBar } from './ColorBar.tsx';

export interface LargeViewProps {
  view: View;
  sample: number;
  /** Method column, or -1 for the input. */
  method: number;
  range?: ValueRange;
  lut?: Uint8Array;
  overlay?: number;
  onClose: () => void;
}

/** One cell enlarged, with the value under the cursor, its colour bar, agreement and exports. */
export function LargeView(props: LargeViewProps) {
  const { view, sample, method } = props;
  const ref = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<string>('move over the map to read values');
  const m = method >= 0 ? view.methods[method] : undefined;
  useEffect(() => {
    drawCell(
      ref.current!,
      view.layout,
      { rgba: view.inputs[sample], series: view.series?.[sample] },
      m && {
        plane: m.planes[sample],
        rows: m.rows,
        range: props.range!,
        lut: props.lut!,
        overlay: props.overlay === undefined ? undefined : { base: view.inputs[sample], opacity: props.overlay },
      },
    );
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && props.onClose();
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [props.onClose]);
  const [w, h] = cellSize(view.layout, m?.rows ?? 0);
  const onMove = (e: MouseEvent) => {
    const rect = (e.target as HTMLCanvasElement).getBoundingClientRect();
    const x = Math.floor(((e.clientX - rect.left) / rect.width) * w);
    const y = Math.floor(((e.clientY - rect.top) / rect.height) * h);
    const L = view.layout;
    if (L.kind === 'image') {
      const i = y * L.width + x;
      if (m) setHover(`(x ${x}, y ${y}): ${fmt(m.planes[sample][i])}`);
      else setHover(`(x ${x}, y ${y})`);
    } else {
      const t = Math.floor((x / w) * L.width);
      const row = Math.floor((y - SERIES_LINE) / SERIES_ROW);
      if (m && row >= 0 && row < m.rows) setHover(`t ${t}, row ${row}: ${fmt(m.planes[sample][row * L.width + t])}`);
      else setHover(`t ${t}: ${(view.series![sample].subarray(t * L.features, (t + 1) * L.features)).join(', ')}`);
    }
  };
  const base = `${m?.run ?? view.run}-b${view.batch}-${m?.id ?? 'input'}-${sample}`;
  const path = m
    ? `/runs/${m.run}/batches/${view.batch}/maps/${m.id}`
    : `/runs/${view.run}/batches/${view.batch}/inputs`;
  return (
    <div class='modal' onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <div class='modal-body large-view' id='large-view'>
        <header>
          <b>{m ? m.name : 'input'}</b> · sample #{sample} {view.samples.ids[sample]}
          <button type='button' class='close' onClick={props.onClose}>×</button>
        </header>
        <canvas
          ref={ref}
          class='large'
          style={{ width: `${Math.min(480, Math.max(w, 240) * (view.layout.kind === 'image' ? 8 : 2))}px` }}
          onMouseMove={onMove}
        />
        <div id='hover-value' class='hover'>{hover}</div>
        {m && props.lut && <ColorBar lut={props.lut} range={props.range} />}
        <div class='actions'>
          <button
            type='button'
            id='export-png'
            onClick={() => ref.current!.toBlob((b) => b && saveBlob(b, `${base}.png`))}
          >
            Export PNG
          </button>
          <button
            type='button'
            id='export-npy'
            onClick={() => download(path, { format: 'npy', sample }, `${base}.npy`)}
          >
            Export .npy
          </button>
        </div>
        <Agreement names={view.methods.map((x) => x.name)} matrix={agreements(view.methods, sample)} />
      </div>
    </div>
  );
}
