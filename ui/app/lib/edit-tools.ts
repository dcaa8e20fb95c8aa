/**
 * What-if edit tools, pure pixel work on one sample `[H, W, C]` (row-major): a brush and a
 * rectangle that mark a mask, the fills a marked pixel takes, the edit applied, and float32
 * arrays to and from base64 for the wire.
 */

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
