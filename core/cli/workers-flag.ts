import { GradlensError } from '../errors/errors.ts';

/** `--workers N|auto` (default auto: decided by the job, see core/workers/computer.ts). */
export function workersFlag(text: string | undefined): number | 'auto' {
  if (text === undefined || text === 'auto') return 'auto';
  return positive(text, '--workers');
}

/** A positive integer flag value, or a one-line error naming the flag. */
export function positive(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    throw new GradlensError(`expected a positive integer, got '${text}'`, { where: flag });
  }
  return n;
}
