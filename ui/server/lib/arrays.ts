import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { encodeNpy } from '../../../core/index.ts';

/**
 * Answers with an array: raw little-endian float32 (`X-Shape: N,H,W`, `X-Dtype: float32`) or a
 * `.npy` file numpy opens. With `sample`, only that sample's slice (shape without N).
 */
export function arrayResponse(
  c: Context,
  array: { data: Float32Array; shape: number[] },
  format: 'f32' | 'npy',
  name: string,
  sample?: number,
): Response {
  let { data, shape } = array;
  if (sample !== undefined) {
    const n = checkSample(sample, shape[0]);
    const per = data.length / shape[0];
    data = data.subarray(n * per, (n + 1) * per);
    shape = shape.slice(1);
  }
  const bytes = format === 'npy'
    ? encodeNpy(data, shape)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  const file = `${name}${sample === undefined ? '' : `-${sample}`}.${format === 'npy' ? 'npy' : 'f32'}`;
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${file}"`,
    'X-Shape': shape.join(','),
    'X-Dtype': 'float32',
    'Cache-Control': 'no-cache',
  });
}

/** A sample index within a batch of `size`, or a 400 saying how many there are. */
export function checkSample(sample: number | undefined, size: number): number {
  if (sample === undefined) throw new HTTPException(400, { message: 'invalid sample: a PNG needs ?sample=<index>' });
  if (sample >= size) {
    throw new HTTPException(400, {
      message: `invalid sample: ${sample} is out of range; the batch has ${size} samples`,
    });
  }
  return sample;
}

export function pngResponse(c: Context, png: Uint8Array, name: string): Response {
  return c.body(png as Uint8Array<ArrayBuffer>, 200, {
    'Content-Type': 'image/png',
    'Content-Disposition': `inline; filename="${name}.png"`,
    'Cache-Control': 'no-cache',
  });
}
