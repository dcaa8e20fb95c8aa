import type { RgbaImage } from '../io/images.ts';

/**
 * Lays out RGBA tiles in a grid (`rows[r][c]`), each magnified `scale` times by pixel
 * repetition (small inputs such as 28x28 stay readable), with `gap` transparent pixels between
 * tiles. Tiles in a column may differ in size; cells take the largest.
 */
export function tileGrid(rows: RgbaImage[][], options: { scale?: number; gap?: number } = {}): RgbaImage {
  const scale = options.scale ?? 1;
  const gap = options.gap ?? 2;
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const colWidth = Array.from({ length: columns }, (_, c) => Math.max(0, ...rows.map((r) => r[c]?.width ?? 0)) * scale);
  const rowHeight = rows.map((r) => Math.max(0, ...r.map((t) => t.height)) * scale);
  const width = colWidth.reduce((a, b) => a + b, 0) + gap * Math.max(0, columns - 1);
  const height = rowHeight.reduce((a, b) => a + b, 0) + gap * Math.max(0, rows.length - 1);
  const data = new Uint8Array(Math.max(1, width) * Math.max(1, height) * 4);
  let top = 0;
  rows.forEach((row, r) => {
    let left = 0;
    row.forEach((tile, c) => {
      for (let y = 0; y < tile.height * scale; y++) {
        for (let x = 0; x < tile.width * scale; x++) {
          const from = (Math.floor(y / scale) * tile.width + Math.floor(x / scale)) * 4;
          data.set(tile.data.subarray(from, from + 4), ((top + y) * width + left + x) * 4);
        }
      }
      left += colWidth[c] + gap;
    });
    top += rowHeight[r] + gap;
  });
  return { width: Math.max(1, width), height: Math.max(1, height), data };
}
