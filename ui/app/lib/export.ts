/** The whole grid as one PNG: a text column per row, then each cell scaled to a common size. */
export function gridPng(root: HTMLElement): Promise<Blob> {
  const rows = [...root.querySelectorAll<HTMLElement>('.grid-row:not(.head)')];
  const heads = [...root.querySelectorAll<HTMLElement>('.grid-row.head .col-head')].map((h) =>
    h.dataset.label ?? h.firstChild?.textContent ?? h.textContent ?? ''
  );
  const first = rows[0]?.querySelector<HTMLCanvasElement>('canvas.cell');
  const scale = first ? Math.max(1, Math.round(96 / Math.max(first.width, first.height))) : 1;
  const cw = (first?.width ?? 28) * scale;
  const ch = (first?.height ?? 28) * scale;
  const info = 180;
  const pad = 4;
  const head = 20;
  const canvas = document.createElement('canvas');
  canvas.width = info + heads.length * (cw + pad);
  canvas.height = head + rows.length * (ch + pad);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#000';
  ctx.font = '12px sans-serif';
  heads.forEach((h, j) => ctx.fillText(h, info + j * (cw + pad), 14));
  ctx.imageSmoothingEnabled = false;
  rows.forEach((row, i) => {
    const y = head + i * (ch + pad);
    const lines = [...row.querySelectorAll<HTMLElement>('.row-info > div')].map((d) => d.textContent ?? '');
    lines.forEach((t, k) => ctx.fillText(t.slice(0, 28), 4, y + 14 + k * 14));
    row.querySelectorAll<HTMLCanvasElement>('canvas.cell').forEach((c, j) => {
      ctx.drawImage(c, info + j * (cw + pad), y, cw, ch);
    });
  });
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('cannot encode the grid'))), 'image/png')
  );
}
