import { useEffect, useRef, useState } from 'preact/hooks';
import { fmt } from '../lib/format.ts';
import { inputRgba, mapPlane } from '../../render/layout.ts';
import { displayRange } from '../../render/normalise.ts';
import { topClasses } from '../../render/sample.ts';
import type { Manifest } from '../lib/types.ts';
import type { View } from '../lib/view.ts';
import { applyMask, brush, type Fill, fillSource, rectangle } from '../lib/edit-tools.ts';
import { saveEdit, warmEngine, whatIf, type WhatIfResult } from '../lib/whatif.ts';
import { MapPanel } from './MapPanel.tsx';

export interface WhatIfProps {
  view: View;
  manifest: Manifest;
  sample: number;
  luts: Uint8Array[];
  clip: number;
  size: number;
  /** The class the maps explain, or null for the sample's own target. */
  target: number | null;
  onSaved?: (batch: number, sample: number) => void;
}

/**
 * What-if edits: paint over or erase part of the input (brush or rectangle; filled with zero, the
 * mean or a blur), and see the new prediction, probabilities and every fast method's map for the
 * edited input beside the original's, computed by the run's engine on the server after each
 * stroke. An edit can be saved as a new sample of the run.
 */
export function WhatIf(props: WhatIfProps) {
  const { view, sample } = props;
  const L = view.layout;
  // The sample view offers edits on images only.
  const { height: h, width: w } = L;
  const c = L.kind === 'image' ? L.channels : 1;
  const original = view.raw[sample];
  const [tool, setTool] = useState<'brush' | 'rect'>('brush');
  const [fill, setFill] = useState<Fill>('zero');
  const [radius, setRadius] = useState(Math.max(1, Math.round(w / 14)));
  const [mask, setMask] = useState(() => new Uint8Array(h * w));
  const [result, setResult] = useState<WhatIfResult | null>(null);
  const [state, setState] = useState<string>('Paint over part of the input to see what the model makes of it.');
  const [saved, setSaved] = useState<string | null>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const drag = useRef<{ x: number; y: number; mask: Uint8Array } | null>(null);
  const seq = useRef(0);
  const edited = applyMask(original, mask, fillSource(original, h, w, c, fill), c);
  const painted = mask.some((v) => v === 1);

  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    canvas.current!.width = w;
    canvas.current!.height = h;
    const rgba = inputRgba(edited, 0, L);
    // Painted pixels are tinted, so the edit shows even where the fill looks like the input.
    for (let p = 0; p < mask.length; p++) if (mask[p]) rgba[p * 4 + 2] = Math.min(255, rgba[p * 4 + 2] + 60);
    ctx.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, w, h), 0, 0);
  });

  const compute = (m: Uint8Array, f: Fill) => {
    if (!m.some((v) => v === 1)) return setResult(null);
    const input = applyMask(original, m, fillSource(original, h, w, c, f), c);
    const n = ++seq.current;
    setState('computing…');
    const t0 = performance.now();
    whatIf(view.run, view.batch, sample, input, props.target).then(
      (r) => {
        if (n !== seq.current) return;
        setResult(r);
        setState(`answered in ${Math.round(performance.now() - t0)} ms (engine ${Math.round(r.ms)} ms)`);
      },
      (e) => n === seq.current && setState(`the edit could not be computed: ${(e as Error).message}`),
    );
  };
  useEffect(() => compute(mask, fill), [fill, props.target]);
  useEffect(() => {
    if (props.manifest.status !== 'running') warmEngine(view.run, view.batch, sample);
  }, []);

  const at = (e: PointerEvent): [number, number] => {
    const rect = canvas.current!.getBoundingClientRect();
    return [
      Math.min(w - 1, Math.max(0, Math.floor(((e.clientX - rect.left) / rect.width) * w))),
      Math.min(h - 1, Math.max(0, Math.floor(((e.clientY - rect.top) / rect.height) * h))),
    ];
  };
  const onDown = (e: PointerEvent) => {
    (e.target as HTMLElement).setPointerCapture?.(e.pointerId);
    const [x, y] = at(e);
    const m = Uint8Array.from(mask);
    drag.current = { x, y, mask: m };
    if (tool === 'brush') brush(m, h, w, x, y, radius);
    setMask(Uint8Array.from(m));
  };
  const onMove = (e: PointerEvent) => {
    const d = drag.current;
    if (!d) return;
    const [x, y] = at(e);
    if (tool === 'brush') {
      brush(d.mask, h, w, x, y, radius);
      setMask(Uint8Array.from(d.mask));
    } else {
      const m = Uint8Array.from(mask.length === d.mask.length ? d.mask : mask);
      rectangle(m, h, w, d.x, d.y, x, y);
      setMask(m);
    }
  };
  const onUp = (e: PointerEvent) => {
    const d = drag.current;
    if (!d) return;
    drag.current = null;
    const [x, y] = at(e);
    const m = Uint8Array.from(d.mask);
    if (tool === 'brush') brush(m, h, w, x, y, radius);
    else rectangle(m, h, w, d.x, d.y, x, y);
    setMask(m);
    compute(m, fill);
  };
  const reset = () => {
    seq.current++;
    setMask(new Uint8Array(h * w));
    setResult(null);
    setState('Paint over part of the input to see what the model makes of it.');
  };
  const save = async () => {
    setSaved('saving…');
    try {
      const r = await saveEdit(view.run, view.batch, sample, edited);
      setSaved(`saved as sample ${r.id} (batch ${r.batch + 1})`);
      props.onSaved?.(r.batch, 0);
    } catch (e) {
      setSaved(`not saved: ${(e as Error).message}`);
    }
  };

  const names = view.samples.classNames;
  const name = (k: number) => names?.[k] ?? String(k);
  const info = view.info[sample];
  const fast = view.methods.map((m, j) => ({ m, j })).filter(({ m }) => m.runIndex === 0);
  return (
    <section class='what-if' id='what-if' aria-labelledby='what-if-title'>
      <h3 id='what-if-title'>What if?</h3>
      <div class='what-if-tools' role='group' aria-label='edit tools'>
        <label class='field'>
          Tool
          <select
            id='edit-tool'
            value={tool}
            onChange={(e) => setTool((e.target as HTMLSelectElement).value as 'brush')}
          >
            <option value='brush'>brush</option>
            <option value='rect'>rectangle</option>
          </select>
        </label>
        <label class='field'>
          Fill with
          <select id='edit-fill' value={fill} onChange={(e) => setFill((e.target as HTMLSelectElement).value as Fill)}>
            <option value='zero'>zero</option>
            <option value='mean'>the mean</option>
            <option value='blur'>a blur</option>
          </select>
        </label>
        <label class='field'>
          Brush radius
          <input
            id='edit-radius'
            type='number'
            min='0'
            max={String(Math.max(h, w))}
            value={radius}
            onChange={(e) => setRadius(Math.max(0, Number((e.target as HTMLInputElement).value) || 0))}
          />
        </label>
        <button type='button' id='edit-reset' onClick={reset} disabled={!painted}>Reset</button>
        <button
          type='button'
          id='edit-save'
          onClick={save}
          disabled={!painted || props.manifest.status === 'running'}
          title={props.manifest.status === 'running'
            ? 'the run is still being written'
            : 'save as a new sample of this run'}
        >
          Save as new sample
        </button>
        <span class='muted' id='edit-state' aria-live='polite'>{state}</span>
        {saved && <span id='edit-saved' aria-live='polite'>{saved}</span>}
      </div>
      <div class='what-if-body'>
        <figure class='map-panel' style={{ width: `${props.size}px` }}>
          <figcaption>
            <b>edited input</b>
            <span class='muted'>drag to {tool === 'brush' ? 'paint' : 'draw a rectangle'}</span>
          </figcaption>
          <canvas
            ref={canvas}
            id='edit-canvas'
            class='large editable'
            role='img'
            aria-label='the input being edited; drag with the pointer to paint over it'
            style={{ width: `${props.size}px`, touchAction: 'none' }}
            onPointerDown={onDown}
            onPointerMove={onMove}
            onPointerUp={onUp}
          />
        </figure>
        {result && (
          <table class='top-classes' id='edit-top'>
            <caption>edited: top 5 (was)</caption>
            <tbody>
              {topClasses(result.probabilities, 5).map((k) => (
                <tr key={k.index} class={k.index === result.prediction ? 'predicted' : ''}>
                  <th scope='row'>{name(k.index)}</th>
                  <td class='prob'>{fmt(k.p)}</td>
                  <td class='muted'>({fmt(info.probabilities[k.index])})</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {result && (
          <p id='edit-prediction'>
            prediction <b class={result.prediction === info.prediction ? 'good' : 'bad'}>{name(result.prediction)}</b>
            {' '}
            {fmt(result.probabilities[result.prediction])}
            {result.prediction !== info.prediction && ` (was ${name(info.prediction)})`}
          </p>
        )}
      </div>
      {result && (
        <div class='what-if-maps' id='edit-maps'>
          {fast.map(({ m, j }) => {
            const after = result.maps[m.id];
            if (!after) return null;
            const plane = mapPlane(after.data, 0, after.shape, L, m.signed);
            const before = m.planes[sample];
            const both = new Float32Array(before.length * 2);
            both.set(before);
            both.set(plane.plane, before.length);
            const range = displayRange(both, m.signed, props.clip);
            const input = { rgba: view.inputs[sample] };
            return (
              <div class='what-if-pair' key={m.id} data-method={m.id}>
                <MapPanel
                  title={m.name}
                  note='original'
                  layout={L}
                  input={input}
                  size={props.size / 1.5}
                  map={{ plane: before, rows: m.rows, range, lut: props.luts[j] }}
                />
                <MapPanel
                  title={m.name}
                  note='edited'
                  layout={L}
                  input={{ rgba: inputRgba(edited, 0, L) }}
                  size={props.size / 1.5}
                  map={{ plane: plane.plane, rows: plane.rows, range, lut: props.luts[j] }}
                />
              </div>
            );
          })}
          {result.skipped.length > 0 && <p class='muted'>Not recomputed (slow): {result.skipped.join(', ')}.</p>}
        </div>
      )}
    </section>
  );
}
