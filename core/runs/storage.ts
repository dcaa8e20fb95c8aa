/**
 * Where a run store keeps its files: the operations {@link RunStore} needs, so that a backend other
 * than a directory can hold runs. Keys are lists of validated segments under the store's root
 * (`[runId, 'batches', '00000', 'maps', 'saliency.npy']`); a backend never sees `..`, empty
 * segments or separators. Objects are written whole: a reader sees the old bytes or the new ones.
 * See README "From one machine to many" for how an S3-compatible store maps onto this.
 */
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { resolve, sep } from 'node:path';
import process from 'node:process';
import { GradlensError } from '../errors/errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';

export interface RunStorage {
  /** Where the runs are, for messages (a directory, a bucket URL). */
  readonly location: string;
  /** The object's bytes, or undefined when there is none; refuses one over `maxBytes` before reading it. */
  read(key: string[], maxBytes: number): Uint8Array | undefined;
  /** Writes an object whole (atomically: readers never see part of it). */
  write(key: string[], bytes: Uint8Array | string): void;
  /** Writes an object unless one exists; returns whether this call wrote it (of racing writers, exactly one). */
  create(key: string[], bytes: Uint8Array | string): boolean;
  /** Names directly under `key` (objects and prefixes), [] when there are none. */
  list(key: string[]): string[];
  exists(key: string[]): boolean;
}

/**
 * A runs directory on a filesystem, local or shared (NFS, a Kubernetes volume): writes go to a
 * temporary file and are renamed into place, `create` uses a hard link (which fails when the
 * name exists, on NFS too), and nothing is read through a symlink that leads outside the root.
 */
export class FileStorage implements RunStorage {
  readonly location: string;

  constructor(root: string) {
    this.location = resolve(root);
  }

  /** The absolute path of a key, inside the root. */
  path(key: string[]): string {
    const full = resolve(this.location, ...key);
    if (!full.startsWith(this.location + sep)) throw new GradlensError('path escapes the runs directory');
    return full;
  }

  /** Refuses files that are (or sit under) symlinks leading out of the root; returns the real path. */
  checkReal(path: string): string {
    const real = realpathSync(path);
    const root = realpathSync(this.location);
    if (!real.startsWith(root + sep)) throw new GradlensError('path escapes the runs directory');
    return real;
  }

  read(key: string[], maxBytes: number): Uint8Array | undefined {
    const path = this.path(key);
    if (!existsSync(path)) return undefined;
    const real = this.checkReal(path);
    const size = statSync(real).size;
    if (size > maxBytes) {
      throw new GradlensError(`file of ${size} bytes is larger than the ${maxBytes} bytes read here`, { where: path });
    }
    return new Uint8Array(readFileSync(real));
  }

  write(key: string[], bytes: Uint8Array | string): void {
    writeFileAtomic(this.path(key), bytes);
  }

  create(key: string[], bytes: Uint8Array | string): boolean {
    const path = this.path(key);
    const dir = resolve(path, '..');
    mkdirSync(dir, { recursive: true });
    const temp = `${path}.${process.pid}.${Date.now()}.create.tmp`;
    writeFileSync(temp, bytes);
    try {
      linkSync(temp, path);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST') return false;
      throw error;
    } finally {
      rmSync(temp, { force: true });
    }
  }

  list(key: string[]): string[] {
    const path = key.length === 0 ? this.location : this.path(key);
    if (!existsSync(path)) return [];
    return readdirSync(path);
  }

  exists(key: string[]): boolean {
    return existsSync(key.length === 0 ? this.location : this.path(key));
  }
}
