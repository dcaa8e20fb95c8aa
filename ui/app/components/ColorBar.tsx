import { useEffect, useRef } from 'preact/hooks';
import { drawColorBar } from '../lib/draw.ts';
import { fmt } from '../lib/format.ts';
import type { ValueRange } from '../../render/normalise.ts';

/** A colour bar with its end values (and zero marked for symmetric ranges). */
export function ColorBar(props: { lut: Uint8Array; range?: ValueRange; label?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => drawColorBar(ref.current!, props.lut), [props.lut]);
  const r = props.range;
  return (
    <div class='colorbar'>
      <canvas ref={ref} />
      <div class='colorbar-values'>
        {r
          ? (
            <>
              <span>{fmt(r.lo)}</span>
              {r.lo < 0 && r.hi > 0 && <span>0</span>}
              <span>{fmt(r.hi)}</span>
            </>
          )
          : <span class='muted'>{props.label ?? 'range per map (click a cell)'}</span>}
      </div>
    </div>
  );
}
