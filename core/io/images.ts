import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { GradlensError } from '../errors/errors.ts';

/** A decoded image: RGBA bytes, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decodes a PNG or JPEG file with pure-JS decoders (no native code, so Deno works too). */
export function decodeImageFile(path: string): RgbaImage {
  // pngjs reads with Buffer methods, so keep the Buffer that readFileSync returns.
  const bytes = Buffer.from(readFileSync(path));
  try {
    if (bytes[0] === 0x89 && bytes[1] === 0x50) {
      const png = PNG.sync.read(bytes);
      return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
    }
    if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (error) {
    throw new GradlensError(`cannot decode image: ${(error as Error).message}`, { where: path });
  }
  throw new GradlensError('not a PNG or JPEG file', { where: path });
}

/** Encodes RGBA bytes as a PNG. */
export function encodePng(image: RgbaImage): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  png.data.set(image.data);
  return new Uint8Array(PNG.sync.write(png));
}
