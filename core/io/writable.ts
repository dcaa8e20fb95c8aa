import { closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { GradlensError } from '../errors/errors.ts';

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdirSync never returns under /proc (it
 * retries ENOENT for ever), so it is not used on a path a user gave.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) mkdirSync(d);
}

/**
 * Fails before any work when files cannot be created in `dir` (created first if missing): by
 * creating and removing a probe file, since permission bits alone do not tell (root, read-only
 * mounts, /proc). `where` names the flag or field in the error.
 */
export function assertWritableDir(dir: string, where: string): void {
  const refuse = (error: unknown) =>
    new GradlensError(
      `cannot write in ${dir} (${(error as { code?: string }).code ?? 'error'}); choose a folder you can write to`,
      { where },
    );
  try {
    makeDirs(dir);
  } catch (error) {
    throw refuse(error);
  }
  const probe = join(dir, `.gradlens-write-check-${process.pid}-${Date.now()}`);
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (error) {
    throw refuse(error);
  }
  rmSync(probe, { force: true });
}
