import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { encodeNpy, type Manifest } from '../../../core/index.ts';
import type { ServeCache } from './serve-cache.ts';

/**
 * An array as bytes: raw little-endian float32 or a `.npy` file numpy opens. With `sample`, only
 * that sample's slice (shape without N).
 */
export function arrayBytes(
  array: { data: Float32Array; shape: number[] },
  format: 'f32' | 'npy',
  sample?: number,
): { bytes: Uint8Array; shape: number[] } {
  let { data, shape } = array;
  if (sample !== undefined) {
    const n = checkSample(sample, shape[0]);
    const per = data.length / shape[0];
    data = data.subarray(n * per, (n + 1) * per);
    shape = shape.slice(1);
  }
  const bytes = format === 'npy'
    ? encodeNpy(data, shape)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { bytes, shape };
}

/** Headers of an array answer: `X-Shape: N,H,W`, `X-Dtype: float32`, and a file name. */
export function arrayHeaders(
  name: string,
  format: 'f32' | 'npy',
  shape: number[],
  sample?: number,
): Record<string, string> {
  const file = `${name}${sample === undefined ? '' : `-${sample}`}.${format === 'npy' ? 'npy' : 'f32'}`;
  return {
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${file}"`,
    'X-Shape': shape.join(','),
    'X-Dtype': 'float32',
  };
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

export function pngHeaders(name: string): Record<string, string> {
  return { 'Content-Type': 'image/png', 'Content-Disposition': `inline; filename="${name}.png"` };
}

/**
 * Answers with a body of a finished batch, built once and then served from the cache, with its
 * validator: a request whose `If-None-Match` names it gets a 304 and no body. Batches of a
 * complete run are cached by the browser for good (the page's URLs carry the run's creation time,
 * so a run made again under the same id is fetched anew); others are revalidated.
 */
export async function sendCached(
  c: Context,
  cache: ServeCache,
  manifest: Manifest,
  key: string,
  headers: Record<string, string>,
  make: () => Promise<Uint8Array> | Uint8Array,
): Promise<Response> {
  const etag = cache.etag(manifest, key);
  const caching = manifest.status === 'complete' ? 'private, max-age=31536000, immutable' : 'no-cache';
  if (c.req.header('if-none-match') === etag) return c.body(null, 304, { ETag: etag, 'Cache-Control': caching });
  const bytes = await cache.body(manifest, key, make);
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { ...headers, ETag: etag, 'Cache-Control': caching });
}
