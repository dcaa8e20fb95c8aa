import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { download, saveBlob } from '../lib/api.ts';
import { fmt } from '../lib/format.ts';
import { agreements } from '../../render/batch.ts';
import { mapPlane } from '../../render/layout.ts';
import { sampleRanges, topClasses } from '../../render/sample.ts';
import type { Manifest, Settings } from '../lib/types.ts';
import type { SampleState } from '../lib/url-state.ts';
import type { View } from '../lib/view.ts';
import { explainClass, type WhatIfResult } from '../lib/whatif.ts';
import { Agreement } from './Agreement.tsx';
import { MapPanel } from './MapPanel.tsx';
import { WhatIf } from './WhatIf.tsx';

export interface SampleViewProps {
  view: View;
  /** The shown run's manifest (its methods' costs decide which can be recomputed on demand). */
  manifest: Manifest;
  state: SampleState;
  /** Sample indices in the grid's order: previous and next follow it. */
  rows: number[];
  luts: Uint8Array[];
  settings: Settings;
  onState: (s: Partial<SampleState>) => void;
  onClose: () => void;
  /** Opens another batch's sample (an edit saved as a new sample). */
  onOpenBatch?: (batch: number, sample: number) => void;
}

/**
 * Panel width in CSS pixels: as large as fits, every picture of the sample on one line when each
 * can still be 180 px wide, else on two lines; at most 300 px.
 */
function panelSize(count: number): number {
  const width = Math.min((globalThis.innerWidth ?? 1280) * 0.96, 1600) - 40;
  const gap = 14;
  const perLine = width / count - gap >= 180 ? count : Math.ceil(count / 2);
  return Math.max(120, Math.min(300, Math.floor(width / perLine) - gap));
}

/**
 * One sample at full size: the input, the input under a chosen map, and every method's map side
 * by side on one shared scale or each on its own; the label, prediction and top-5 classes; the
 * maps for any other class on demand ("why not this class?"); what-if edits of the input; and
 * the previous/next sample by the arrow keys.
 */
export function SampleView(props: SampleViewProps) {
  const { view, state, settings } = props;
  const s = state.sample;
  const info = view.info[s];
  const id = view.samples.ids[s];
  const names = view.samples.classNames;
  const name = (k: number | null) => (k === null ? '—' : names?.[k] ?? String(k));
  const body = useRef<HTMLDivElement>(null);
  const position = props.rows.indexOf(s);
  const go = (delta: number) => {
    const next = props.rows[position + delta];
    if (next !== undefined) props.onState({ sample: next, explain: null });
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.key === 'Escape') return props.onClose();
      if (['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName) || e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') (e.preventDefault(), go(-1));
      if (e.key === 'ArrowRight' || e.key === 'ArrowDown') (e.preventDefault(), go(1));
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });
  // Focus moves into the dialog when it opens, so the keyboard and screen readers land there.
  useEffect(() => body.current?.focus(), []);

  // Maps for another class, computed by the run's engine on the server.
  const [other, setOther] = useState<{ key: string; result?: WhatIfResult; error?: string } | null>(null);
  const explainKey = state.explain === null ? null : `${view.run}/${view.batch}/${s}/${state.explain}`;
  useEffect(() => {
    if (explainKey === null || state.explain === null) return setOther(null);
    setOther({ key: explainKey });
    explainClass(view.run, view.batch, s, state.explain).then(
      (result) => setOther((o) => (o?.key === explainKey ? { key: explainKey, result } : o)),
      (e) => setOther((o) => (o?.key === explainKey ? { key: explainKey, error: (e as Error).message } : o)),
    );
  }, [explainKey]);

  // The maps shown: the run's own, or those of the explained class (only the fast methods).
  const shown = useMemo(() =>
    view.methods.map((m, j) => {
      if (explainKey === null) return { column: j, plane: m.planes[s], rows: m.rows, signed: m.signed };
      const map = m.runIndex === 0 ? other?.result?.maps[m.id] : undefined;
      if (!map) return { column: j, plane: null, rows: m.rows, signed: m.signed };
      const p = mapPlane(map.data, 0, map.shape, view.layout, m.signed);
      return { column: j, plane: p.plane, rows: p.rows, signed: m.signed };
    }), [view, s, explainKey, other]);
  const ranges = useMemo(
    () =>
      sampleRanges(
        shown.map((x) => ({ plane: x.plane ?? new Float32Array(0), signed: x.signed })),
        state.scale,
        settings.clip,
      ),
    [shown, state.scale, settings.clip],
  );
  const size = panelSize(view.methods.length + 2);
  const input = { rgba: view.inputs[s], series: view.series?.[s] };
  const overlay = { base: view.inputs[s], opacity: settings.opacity };
  const ov = state.method >= 0 && state.method < view.methods.length ? state.method : -1;
  const paint = (j: number, withOverlay = false) => {
    const x = shown[j];
    return x.plane
      ? {
        plane: x.plane,
        rows: x.rows,
        range: ranges[j],
        lut: props.luts[j],
        overlay: withOverlay ? overlay : undefined,
      }
      : undefined;
  };
  const top = topClasses(info.probabilities, 5);
  const base = `${view.run}-b${view.batch}-${id}`;

  return (
    <div class='modal' onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <div
        class='modal-body sample-view'
        id='sample-view'
        role='dialog'
        aria-modal='true'
        aria-labelledby='sample-title'
        tabIndex={-1}
        ref={body}
      >
        <header>
          <h2 id='sample-title'>
            sample {id} <span class='muted'>· run {view.run} · batch {view.batch + 1} · row {s + 1}</span>
          </h2>
          <button
            type='button'
            id='sample-prev'
            aria-label='previous sample (←)'
            disabled={position <= 0}
            onClick={() => go(-1)}
          >
            ◀ previous
          </button>
          <button
            type='button'
            id='sample-next'
            aria-label='next sample (→)'
            disabled={position < 0 || position >= props.rows.length - 1}
            onClick={() => go(1)}
          >
            next ▶
          </button>
          <button type='button' class='close' aria-label='close the sample view (Esc)' onClick={props.onClose}>
            ×
          </button>
        </header>
        <div class='sample-facts'>
          <dl id='sample-facts'>
            <dt>label</dt>
            <dd id='sample-label'>{name(info.label)}</dd>
            <dt>prediction</dt>
            <dd id='sample-prediction'>
              <b class={info.label !== null && info.label !== info.prediction ? 'bad' : 'good'}>
                {name(info.prediction)}
              </b>{' '}
              {fmt(info.probabilities[info.prediction])}
            </dd>
            {view.runs.slice(1).map((r) => (
              <>
                <dt>{r.id}</dt>
                <dd>{name(r.info[s].prediction)} {fmt(r.info[s].probabilities[r.info[s].prediction])}</dd>
              </>
            ))}
          </dl>
          <table class='top-classes' id='top-classes'>
            <caption>top {top.length} classes</caption>
            <tbody>
              {top.map((c) => (
                <tr key={c.index} class={c.index === info.prediction ? 'predicted' : ''}>
                  <th scope='row'>{name(c.index)}</th>
                  <td class='prob'>{fmt(c.p)}</td>
                  <td class='bar-cell'>
                    <span class='bar' style={{ width: `${Math.round(c.p * 100)}%` }} />
                  </td>
                  <td>
                    <button
                      type='button'
                      class='explain-class'
                      data-class={c.index}
                      aria-label={`maps for class ${name(c.index)}`}
                      onClick={() => props.onState({ explain: c.index })}
                    >
                      why?
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class='sample-controls'>
            <label class='field'>
              Scale
              <select
                id='sample-scale'
                value={state.scale}
                onChange={(e) =>
                  props.onState({ scale: (e.target as HTMLSelectElement).value as SampleState['scale'] })}
              >
                <option value='each'>each map its own</option>
                <option value='shared'>one scale for all maps</option>
              </select>
            </label>
            <label class='field'>
              Overlay
              <select
                id='sample-overlay'
                value={String(ov)}
                onChange={(e) => props.onState({ method: Number((e.target as HTMLSelectElement).value) })}
              >
                <option value='-1'>none</option>
                {view.methods.map((m, j) => <option key={m.name} value={String(j)}>{m.name}</option>)}
              </select>
            </label>
            <label class='field'>
              Explain class
              <select
                id='sample-explain'
                value={state.explain === null ? '' : String(state.explain)}
                onChange={(e) => {
                  const v = (e.target as HTMLSelectElement).value;
                  props.onState({ explain: v === '' ? null : Number(v) });
                }}
              >
                <option value=''>the run's target</option>
                {info.probabilities.map((_, k) => <option key={k} value={String(k)}>{name(k)}</option>)}
              </select>
            </label>
          </div>
        </div>
        {explainKey !== null && (
          <p class='explain-note' id='explain-note' aria-live='polite'>
            {other?.error
              ? <span class='error'>{other.error}</span>
              : other?.result
              ? `Maps for class ${name(state.explain)} (p ${
                fmt(other.result.probabilities[state.explain!])
              }), computed in ${Math.round(other.result.ms)} ms; slow methods are not recomputed.`
              : `Computing the maps for class ${name(state.explain)}…`}
          </p>
        )}
        <div class='sample-panels' id='sample-panels'>
          <MapPanel title='input' layout={view.layout} input={input} size={size} id='panel-input' />
          {ov >= 0 && (
            <MapPanel
              title='overlay'
              note={view.methods[ov].name}
              layout={view.layout}
              input={input}
              map={paint(ov, true)}
              size={size}
              id='panel-overlay'
            />
          )}
          {view.methods.map((m, j) => (
            <MapPanel
              key={m.name}
              title={m.name}
              note={explainKey !== null ? `class ${name(state.explain)}` : m.signed ? 'signed' : undefined}
              layout={view.layout}
              input={input}
              map={paint(j)}
              size={size}
              placeholder={shown[j].plane
                ? undefined
                : m.runIndex > 0
                ? 'a compared run: explained for its own target only'
                : other?.result
                ? 'slow method: not recomputed'
                : 'computing…'}
            />
          ))}
        </div>
        <div class='actions'>
          {view.methods.map((m) => (
            <button
              type='button'
              key={m.name}
              class='export-npy'
              onClick={() =>
                download(
                  `/runs/${m.run}/batches/${view.batch}/maps/${m.id}`,
                  { format: 'npy', sample: s },
                  `${base}-${m.id}.npy`,
                )}
            >
              {m.name} .npy
            </button>
          ))}
          <button
            type='button'
            id='export-png'
            onClick={() => exportPanels(body.current!, `${base}.png`)}
          >
            Export PNG
          </button>
        </div>
        {view.layout.kind === 'image' && view.runs.length === 1 && (
          <WhatIf
            key={`${view.run}/${view.batch}/${s}`}
            view={view}
            manifest={props.manifest}
            sample={s}
            luts={props.luts}
            clip={settings.clip}
            size={Math.min(size, 240)}
            target={explainKey === null ? null : state.explain}
            onSaved={props.onOpenBatch}
          />
        )}
        <Agreement names={view.methods.map((x) => x.name)} matrix={agreements(view.methods, s)} />
      </div>
    </div>
  );
}

/** The sample view's pictures side by side in one PNG, each under its title. */
function exportPanels(root: HTMLElement, name: string): void {
  const panels = [...root.querySelectorAll<HTMLElement>('#sample-panels figure')];
  const canvases = panels.map((p) => p.querySelector<HTMLCanvasElement>('canvas'));
  const w = 200;
  const out = document.createElement('canvas');
  out.width = panels.length * (w + 8) + 8;
  out.height = w + 40;
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = '#000';
  ctx.font = '12px sans-serif';
  ctx.imageSmoothingEnabled = false;
  panels.forEach((p, i) => {
    const x = 8 + i * (w + 8);
    ctx.fillText(p.querySelector('figcaption')?.textContent?.slice(0, 32) ?? '', x, 14);
    const c = canvases[i];
    if (c) ctx.drawImage(c, x, 20, w, (w * c.height) / c.width);
  });
  out.toBlob((b) => b && saveBlob(b, name));
}
