import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { GradlensError } from '../errors/errors.ts';
import { decodeNpyValues, type NpyArray, type NpyHeader, parseNpyHeader, toFloat32 } from './npy.ts';

/** A `.npy` file opened for reading rows (slices of the first axis) without loading it whole. */
export interface NpyFile extends NpyHeader {
  path: string;
  /** Rows `[start, start + count)` as float32, row-major. */
  readRows(start: number, count: number): Float32Array;
  /** Every value in the file's dtype (for small arrays such as labels). */
  readAll(): NpyArray;
  close(): void;
}

/** Opens `path`, reading only its header; every error names the file. */
export function openNpy(path: string): NpyFile {
  if (!existsSync(path)) throw new GradlensError('file not found', { where: path });
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(65536);
    const got = readSync(fd, head, 0, head.length, 0);
    const header = parseNpyHeader(head.subarray(0, got), path);
    const count = header.shape.reduce((a, b) => a * b, 1);
    const size = fstatSync(fd).size;
    if (size - header.dataOffset < count * header.itemBytes) {
      throw new GradlensError(
        `truncated: shape (${header.shape.join(', ')}) needs ${count * header.itemBytes} data bytes, file has ${
          size - header.dataOffset
        }`,
        { where: path },
      );
    }
    const rowValues = header.shape.slice(1).reduce((a, b) => a * b, 1);
    const read = (offsetValues: number, values: number) => {
      const bytes = new Uint8Array(values * header.itemBytes);
      readSync(fd, bytes, 0, bytes.length, header.dataOffset + offsetValues * header.itemBytes);
      return decodeNpyValues(header.dtype, bytes, values);
    };
    return {
      ...header,
      path,
      readRows: (start, rows) => toFloat32(read(start * rowValues, rows * rowValues)),
      readAll: () => ({ data: read(0, count), shape: header.shape, dtype: header.dtype }),
      close: () => closeSync(fd),
    };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
