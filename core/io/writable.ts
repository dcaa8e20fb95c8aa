import { closeSync, existsSync, mkdirSync, openSync, rmdirSync, rmSync, statSync } from 'node:fs';
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
  const refuse = refusal(dir, where);
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

/**
 * Fails when `dir` could not be written to or created, and writes nothing: a probe folder is made
 * and removed in `dir`, or in its nearest existing ancestor when it does not exist yet (it is
 * then created later, by the first run). For a server, before it listens.
 */
export function assertDirCanBeWritten(dir: string, where: string): void {
  const refuse = refusal(dir, where);
  let existing = resolve(dir);
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const probe = join(existing, `.gradlens-write-check-${process.pid}-${Date.now()}`);
  try {
    if (!statSync(existing).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    mkdirSync(probe);
  } catch (error) {
    throw refuse(error);
  }
  rmdirSync(probe);
}

function refusal(dir: string, where: string): (error: unknown) => GradlensError {
  return (error) =>
    new GradlensError(
      `cannot write in ${dir} (${(error as { code?: string }).code ?? 'error'}); choose a folder you can write to`,
      { where },
    );
}
