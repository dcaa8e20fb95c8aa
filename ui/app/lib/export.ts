/**
 * The grid as one PNG that stands alone in a report: a title (run, batch, model, target), one
 * column per method headed by its name (wrapped, never overlapping the next), its colour bar and
 * value range, the rows' sample facts, and a footer with every method's conventions.
 */
import type { ValueRange } from '../../render/normalise.ts';
import { confidence } from '../../render/batch.ts';
import { drawCell } from './draw.ts';
import { fmt } from './format.ts';
import type { Manifest, Settings } from './types.ts';
import type { View } from './view.ts';
import { modelLabel } from './compare.ts';

export interface GridExport {
  view: View;
  /** Sample indices in the order shown. */
  rows: number[];
  ranges: ValueRange[][];
  luts: Uint8Array[];
  settings: Settings;
  /** The manifests of the shown runs, in `view.runs` order. */
  manifests: Manifest[];
}

const FONT = '12px sans-serif';
const SMALL = '10px sans-serif';

/** Splits `text` into lines no wider than `width` (breaking inside words when it must). */
export function wrapText(ctx: CanvasRenderingContext2D, text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const ch of text.split(/(?<=[-_:/ ])/)) {
    if (ctx.measureText(line + ch).width <= width) {
      line += ch;
      continue;
    }
    if (line) lines.push(line.trimEnd());
    line = '';
    for (const c of ch) {
      if (ctx.measureText(line + c).width > width && line) {
        lines.push(line);
        line = '';
      }
      line += c;
    }
  }
  if (line.trim()) lines.push(line.trimEnd());
  return lines;
}

export function gridPng(g: GridExport): Promise<Blob> {
  const { view, rows } = g;
  const cellCanvas = document.createElement('canvas');
  const names = (k: number | null, run = 0) => k === null ? '—' : view.runs[run].samples.classNames?.[k] ?? String(k);
  drawCell(cellCanvas, view.layout, { rgba: view.inputs[0], series: view.series?.[0] });
  const scale = Math.max(1, Math.round(96 / Math.max(cellCanvas.width, cellCanvas.height)));
  const cw = Math.max(96, cellCanvas.width * scale);
  const ch = cellCanvas.height * scale;
  const perMap = g.settings.norm === 'map';
  const info = 190;
  const pad = 8;
  const measure = document.createElement('canvas').getContext('2d')!;
  measure.font = FONT;
  const heads = ['input', ...view.methods.map((m) => m.name + (m.signed ? ' (±)' : ''))].map((h) =>
    wrapText(measure, h, cw)
  );
  const headLines = Math.max(...heads.map((h) => h.length));
  const title = 34;
  // Under the names: the colour bar (8 px), then its range or a note in up to two lines of 12 px.
  const headH = headLines * 14 + 42;
  // Each row's facts, wrapped to the text column; a row is as tall as its picture or its facts.
  const facts = rows.map((s) => {
    const ri = view.info[s];
    return [
      `sample ${view.samples.ids[s]}`,
      `label ${names(ri.label)}`,
      ...view.runs.map((r, k) =>
        `${view.runs.length > 1 ? `${r.id}: ` : ''}pred ${names(r.info[s].prediction, k)} ${fmt(confidence(r.info[s]))}`
      ),
    ].flatMap((t) => wrapText(measure, t, info - 10));
  });
  const rowH = Math.max(ch + (perMap ? 14 : 0), ...facts.map((f) => f.length * 14 + 4)) + pad;
  const conventions = g.manifests.flatMap((m) =>
    m.methods.map((x) =>
      `${g.manifests.length > 1 ? `${m.id}:` : ''}${x.id}: ${x.signed ? 'signed' : 'unsigned'}, abs ${
        x.conventions.abs ? 'yes' : 'no'
      }, channels ${x.conventions.reduce}`
    )
  );
  const main = g.manifests[0];
  const subtitle = `${
    view.runs.map((r) => r.model).join(' | ')
  } · target ${main.target.rule} · ${main.model.output.scores} scores`;
  const width = Math.max(info + (view.methods.length + 1) * (cw + pad), 640, measure.measureText(subtitle).width + 8);
  const display = `display: ${
    perMap ? 'each map on its own range' : 'one range per column'
  }, clipped at the ${g.settings.clip}th percentile; probabilities ${main.model.probabilities}; ${modelLabel(main)}`;
  const footLines = [...conventions, display].flatMap((line) => wrapText(measure, line, width - 8));
  const footer = 20 + (footLines.length + 1) * 14;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = title + headH + rows.length * rowH + footer;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#000';
  ctx.font = 'bold 14px sans-serif';
  ctx.fillText(`${view.runs.map((r) => r.id).join(' vs ')} · batch ${view.batch + 1}`, 4, 16);
  ctx.font = FONT;
  ctx.fillText(subtitle, 4, 30);
  const x0 = (j: number) => info + j * (cw + pad);
  heads.forEach((lines, j) => lines.forEach((t, k) => ctx.fillText(t, x0(j), title + 12 + k * 14)));
  // The colour bar and range of each method column, under its name.
  view.methods.forEach((_m, j) => {
    const x = x0(j + 1);
    const y = title + headLines * 14 + 4;
    const lut = g.luts[j];
    for (let i = 0; i < cw; i++) {
      const k = Math.round((i / (cw - 1)) * 255) * 3;
      ctx.fillStyle = `rgb(${lut[k]},${lut[k + 1]},${lut[k + 2]})`;
      ctx.fillRect(x + i, y, 1, 8);
    }
    ctx.fillStyle = '#000';
    ctx.font = SMALL;
    const r = g.ranges[j][0];
    const note = perMap ? 'range per map: under each map' : `${fmt(r.lo)} … ${fmt(r.hi)}`;
    wrapText(ctx, note, cw).slice(0, 2).forEach((t, k) => ctx.fillText(t, x, y + 20 + k * 12));
    ctx.font = FONT;
  });
  ctx.imageSmoothingEnabled = false;
  rows.forEach((s, i) => {
    const y = title + headH + i * rowH;
    facts[i].forEach((t, k) => ctx.fillText(t, 4, y + 12 + k * 14));
    drawCell(cellCanvas, view.layout, { rgba: view.inputs[s], series: view.series?.[s] });
    ctx.drawImage(cellCanvas, x0(0), y, cw, ch);
    view.methods.forEach((m, j) => {
      const range = g.ranges[j][s];
      drawCell(cellCanvas, view.layout, { rgba: view.inputs[s], series: view.series?.[s] }, {
        plane: m.planes[s],
        rows: m.rows,
        range,
        lut: g.luts[j],
        overlay: g.settings.overlay ? { base: view.inputs[s], opacity: g.settings.opacity } : undefined,
      });
      ctx.drawImage(cellCanvas, x0(j + 1), y, cw, ch);
      if (perMap) {
        ctx.font = SMALL;
        ctx.fillText(`${fmt(range.lo)} … ${fmt(range.hi)}`, x0(j + 1), y + ch + 11);
        ctx.font = FONT;
      }
    });
  });
  let y = title + headH + rows.length * rowH + 16;
  ctx.fillText('Conventions', 4, y);
  for (const line of footLines) {
    y += 14;
    ctx.fillText(line, 4, y);
  }
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('cannot encode the grid'))), 'image/png')
  );
}

// For the browser tests, which check that wrapped headers stay within their column.
(globalThis as { __gradlensExport?: unknown }).__gradlensExport = { wrapText };
