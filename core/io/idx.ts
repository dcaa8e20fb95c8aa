import { existsSync, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { GradlensError } from '../errors/errors.ts';

/** An IDX array (the MNIST / Fashion-MNIST file format). */
export interface IdxArray {
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<
  number,
  { bytes: number; read: (view: DataView, offset: number) => number; make: (n: number) => IdxArray['data'] }
> = {
  0x08: { bytes: 1, read: (v, o) => v.getUint8(o), make: (n) => new Uint8Array(n) },
  0x09: { bytes: 1, read: (v, o) => v.getInt8(o), make: (n) => new Int8Array(n) },
  0x0b: { bytes: 2, read: (v, o) => v.getInt16(o, false), make: (n) => new Int16Array(n) },
  0x0c: { bytes: 4, read: (v, o) => v.getInt32(o, false), make: (n) => new Int32Array(n) },
  0x0d: { bytes: 4, read: (v, o) => v.getFloat32(o, false), make: (n) => new Float32Array(n) },
  0x0e: { bytes: 8, read: (v, o) => v.getFloat64(o, false), make: (n) => new Float64Array(n) },
};

/** The largest IDX file read, on disk and unzipped. */
const MAX_IDX_BYTES = 2 ** 31 - 1;

/** Reads an IDX file, gzipped (`.gz`, detected by its magic bytes) or not. */
export function readIdx(path: string): IdxArray {
  if (!existsSync(path)) throw new GradlensError('IDX file not found', { where: path });
  const st = statSync(path);
  if (!st.isFile()) throw new GradlensError('not a regular file (a folder, device or pipe)', { where: path });
  if (st.size > MAX_IDX_BYTES) {
    throw new GradlensError(`${st.size} bytes, over the ${MAX_IDX_BYTES} gradlens reads`, { where: path });
  }
  let bytes = new Uint8Array(readFileSync(path));
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = new Uint8Array(gunzipSync(bytes, { maxOutputLength: MAX_IDX_BYTES }));
    } catch (error) {
      throw new GradlensError(`corrupt gzip data (${(error as Error).message})`, { where: path });
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || !TYPES[bytes[2]]) {
    throw new GradlensError('not an IDX file: expected magic bytes 00 00 <type> <dims>', { where: path });
  }
  const type = TYPES[bytes[2]];
  const dims = bytes[3];
  if (bytes.length < 4 + 4 * dims) {
    throw new GradlensError(`truncated: the header lists ${dims} dimensions but the file ends first`, { where: path });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = 4 + 4 * dims;
  if (bytes.length < offset + count * type.bytes) {
    throw new GradlensError(`truncated: shape [${shape.join(', ')}] needs ${count * type.bytes} bytes of data`, {
      where: path,
    });
  }
  if (type.bytes === 1) {
    const data = type.make(count);
    data.set(bytes.subarray(offset, offset + count) as never);
    return { shape, data };
  }
  const data = type.make(count);
  for (let i = 0; i < count; i++) data[i] = type.read(view, offset + i * type.bytes);
  return { shape, data };
}
