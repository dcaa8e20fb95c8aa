import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import process from 'node:process';
import { encodeNpyHeader } from './npy.ts';

/**
 * Writes a float32 `.npy` of known shape block by block, so memory does not grow with N. Data
 * goes to a temporary file that replaces `path` only on `commit()`; `abort()` removes it, so a
 * failure never leaves a half-written output.
 */
export class NpyStreamWriter {
  readonly #path: string;
  readonly #temp: string;
  readonly #fd: number;
  readonly #expected: number;
  #written = 0;

  constructor(path: string, shape: readonly number[]) {
    this.#path = path;
    this.#temp = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
    this.#expected = shape.reduce((a, b) => a * b, 1);
    this.#fd = openSync(this.#temp, 'w');
    writeSync(this.#fd, encodeNpyHeader('<f4', shape));
  }

  /** Appends values, row-major, continuing where the last call stopped. */
  append(values: Float32Array): void {
    writeSync(this.#fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    this.#written += values.length;
  }

  commit(): void {
    closeSync(this.#fd);
    if (this.#written !== this.#expected) {
      rmSync(this.#temp, { force: true });
      throw new Error(`NpyStreamWriter: wrote ${this.#written} values, the shape needs ${this.#expected}`);
    }
    renameSync(this.#temp, this.#path);
  }

  abort(): void {
    try {
      closeSync(this.#fd);
    } catch {
      // already closed by commit()
    }
    rmSync(this.#temp, { force: true });
  }
}
