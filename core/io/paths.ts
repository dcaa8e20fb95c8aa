import { isAbsolute, resolve } from 'node:path';

/** Resolves a user-given path against a base directory (the config file's, or the cwd). */
export function resolvePath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}
