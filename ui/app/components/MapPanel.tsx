import { useEffect, useRef, useState } from 'preact/hooks';
import { cellSize, drawCell, type MapPaint, SERIES_LINE, SERIES_ROW } from '../lib/draw.ts';
import { fmt } from '../lib/format.ts';
import type { Layout } from '../../render/layout.ts';
import { ColorBar } from './ColorBar.tsx';

export interface MapPanelProps {
  /** Heading: the method, "input" or "overlay". */
  title: string;
  /** A second line under the title (a class, "edited", a run). */
  note?: string;
  layout: Layout;
  input: { rgba: Uint8ClampedArray; series?: Float32Array };
  map?: MapPaint;
  /** Displayed width in CSS pixels. */
  size: number;
  id?: string;
  /** Shown instead of the picture (a map not computed). */
  placeholder?: string;
}

/** One picture of the sample view, large, with its colour bar and the value under the cursor. */
export function MapPanel(props: MapPanelProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState('');
  const { layout, map } = props;
  useEffect(() => {
    if (ref.current) drawCell(ref.current, layout, props.input, map);
  });
  const [w, h] = cellSize(layout, map?.rows ?? 0);
  const onMove = (e: MouseEvent) => {
    const rect = (e.target as HTMLCanvasElement).getBoundingClientRect();
    const x = Math.floor(((e.clientX - rect.left) / rect.width) * w);
    const y = Math.floor(((e.clientY - rect.top) / rect.height) * h);
    if (layout.kind === 'image') {
      setHover(map ? `(x ${x}, y ${y}): ${fmt(map.plane[y * layout.width + x])}` : `(x ${x}, y ${y})`);
    } else {
      const t = Math.floor((x / w) * layout.width);
      const row = Math.floor((y - SERIES_LINE) / SERIES_ROW);
      setHover(
        map && row >= 0 && row < map.rows ? `t ${t}, row ${row}: ${fmt(map.plane[row * layout.width + t])}` : `t ${t}`,
      );
    }
  };
  return (
    <figure class='map-panel' id={props.id} style={{ width: `${props.size}px` }}>
      <figcaption>
        <b>{props.title}</b>
        {props.note && <span class='muted'>{props.note}</span>}
      </figcaption>
      {props.placeholder
        ? <div class='placeholder' style={{ height: `${props.size * h / w}px` }}>{props.placeholder}</div>
        : (
          <canvas
            ref={ref}
            class='large'
            role='img'
            aria-label={`${props.title}${props.note ? `, ${props.note}` : ''}`}
            style={{ width: `${props.size}px` }}
            onMouseMove={onMove}
            onMouseLeave={() => setHover('')}
          />
        )}
      {map && <ColorBar lut={map.lut} range={map.range} />}
      <div class='hover' aria-live='off'>{hover || '\u00a0'}</div>
    </figure>
  );
}
