import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { GradlensError } from '../errors/errors.ts';
import {
  checkDataBytes,
  decodeNpyValues,
  MAX_NPY_HEADER_BYTES,
  type NpyArray,
  type NpyHeader,
  parseNpyHeader,
  toFloat32,
} from './npy.ts';

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
  if (!statSync(path).isFile()) {
    throw new GradlensError('not a regular file (a folder, device or pipe); expected a .npy file', { where: path });
  }
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(size, 12 + MAX_NPY_HEADER_BYTES));
    const got = readSync(fd, head, 0, head.length, 0);
    const header = parseNpyHeader(head.subarray(0, got), path);
    const count = header.shape.reduce((a, b) => a * b, 1);
    checkDataBytes(header, size, path);
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
