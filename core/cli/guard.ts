import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { GradlensError } from '../errors/errors.ts';
import { assertWritableDir } from '../io/writable.ts';

/** Fails before any work when `path` cannot be written: missing folder, no permission, a directory. */
export function assertWritable(path: string, flag: string): string {
  const file = resolve(path);
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new GradlensError('is a directory; give a file path such as maps.npy', { where: `${flag} ${file}` });
  }
  const dir = dirname(file);
  if (!existsSync(dir)) {
    throw new GradlensError(`folder ${dir} does not exist; create it first`, { where: `${flag} ${file}` });
  }
  try {
    accessSync(existsSync(file) ? file : dir, constants.W_OK);
  } catch {
    throw new GradlensError('cannot write here (permission denied)', { where: `${flag} ${file}` });
  }
  // Permission bits do not tell everything (root, read-only mounts, /proc): try.
  assertWritableDir(dir, `${flag} ${file}`);
  return file;
}
