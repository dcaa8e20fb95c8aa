/**
 * The page's side of what-if edits: the edit tools' pure pixel work (brush, rectangle, fills) and
 * the calls to the run's engine on the server (`POST /api/runs/:run/whatif`, `.../edits`).
 */
import { postJson } from './api.ts';

/** A map as the engine returns it: one sample, `shape` without N. */
export interface WhatIfMap {
  data: Float32Array;
  shape: number[];
}

export interface WhatIfResult {
  prediction: number;
  probabilities: number[];
  /** The class the maps explain. */
  target: number;
  /** The fast methods' maps, by method id. */
  maps: Record<string, WhatIfMap>;
  /** Methods left out (too slow to answer an edit at once), by id. */
  skipped: string[];
  /** Milliseconds the engine took. */
  ms: number;
}

interface WireResult extends Omit<WhatIfResult, 'maps'> {
  maps: Record<string, { data: string; shape: number[] }>;
}

export function toBase64(data: Float32Array): string {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(text: string): Float32Array {
  const s = atob(text);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

function decode(r: WireResult): WhatIfResult {
  return {
    ...r,
    maps: Object.fromEntries(Object.entries(r.maps).map(([k, v]) => [k, { data: fromBase64(v.data), shape: v.shape }])),
  };
}

/** The fast methods' maps of a stored sample for class `target` ("why not this class?"). */
export async function explainClass(run: string, batch: number, sample: number, target: number): Promise<WhatIfResult> {
  return decode(await postJson<WireResult>(`/runs/${run}/whatif`, { batch, sample, target }));
}

/**
 * Starts the run's engine (loading its model) before the first edit, so that edit is answered at
 * once: the stored sample is computed and the answer dropped.
 */
export function warmEngine(run: string, batch: number, sample: number): void {
  postJson(`/runs/${run}/whatif`, { batch, sample }).catch(() => {});
}

/** Prediction, probabilities and fast maps of an edited input of a stored sample. */
export async function whatIf(
  run: string,
  batch: number,
  sample: number,
  input: Float32Array,
  target: number | null,
): Promise<WhatIfResult> {
  return decode(
    await postJson<WireResult>(`/runs/${run}/whatif`, {
      batch,
      sample,
      input: toBase64(input),
      ...(target === null ? {} : { target }),
    }),
  );
}

/** Saves an edited input as a new sample of the run: every method computed, written as a new batch. */
export function saveEdit(
  run: string,
  batch: number,
  sample: number,
  input: Float32Array,
): Promise<{ batch: number; id: string }> {
  return postJson(`/runs/${run}/edits`, { batch, sample, input: toBase64(input) });
}

export type Fill = 'zero' | 'mean' | 'blur';

/**
 * The value every pixel takes where it is painted over: 0, the sample's mean per channel, or a
 * blurred copy of the sample (a box blur of radius 2, three times: close to a Gaussian).
 * `x` is one sample `[H, W, C]`, row-major.
 */
export function fillSource(x: Float32Array, h: number, w: number, c: number, fill: Fill): Float32Array {
  if (fill === 'zero') return new Float32Array(x.length);
  if (fill === 'mean') {
    const out = new Float32Array(x.length);
    for (let k = 0; k < c; k++) {
      let sum = 0;
      for (let i = k; i < x.length; i += c) sum += x[i];
      const mean = sum / (h * w);
      for (let i = k; i < x.length; i += c) out[i] = mean;
    }
    return out;
  }
  const a = Float32Array.from(x);
  const b = new Float32Array(x.length);
  const r = 2;
  for (let pass = 0; pass < 3; pass++) {
    // Horizontal then vertical box sums, clamped at the edges.
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        for (let k = 0; k < c; k++) {
          let s = 0;
          for (let d = -r; d <= r; d++) s += a[(y * w + Math.min(w - 1, Math.max(0, xx + d))) * c + k];
          b[(y * w + xx) * c + k] = s / (2 * r + 1);
        }
      }
    }
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        for (let k = 0; k < c; k++) {
          let s = 0;
          for (let d = -r; d <= r; d++) s += b[(Math.min(h - 1, Math.max(0, y + d)) * w + xx) * c + k];
          a[(y * w + xx) * c + k] = s / (2 * r + 1);
        }
      }
    }
  }
  return a;
}

/** Marks a disc of `radius` pixels around (cx, cy) in the `h x w` mask. */
export function brush(mask: Uint8Array, h: number, w: number, cx: number, cy: number, radius: number): void {
  const r = Math.max(0, radius);
  for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(h - 1, Math.ceil(cy + r)); y++) {
    for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(w - 1, Math.ceil(cx + r)); x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r + 0.25) mask[y * w + x] = 1;
    }
  }
}

/** Marks the rectangle between two corners (inclusive) in the `h x w` mask. */
export function rectangle(
  mask: Uint8Array,
  h: number,
  w: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): void {
  const [ax, bx] = [Math.max(0, Math.min(x0, x1)), Math.min(w - 1, Math.max(x0, x1))];
  const [ay, by] = [Math.max(0, Math.min(y0, y1)), Math.min(h - 1, Math.max(y0, y1))];
  for (let y = ay; y <= by; y++) for (let x = ax; x <= bx; x++) mask[y * w + x] = 1;
}

/** The edited sample: `fill` where the mask is set, the original elsewhere. */
export function applyMask(x: Float32Array, mask: Uint8Array, fill: Float32Array, c: number): Float32Array {
  const out = Float32Array.from(x);
  for (let p = 0; p < mask.length; p++) {
    if (mask[p]) { for (let k = 0; k < c; k++) out[p * c + k] = fill[p * c + k]; }
  }
  return out;
}
