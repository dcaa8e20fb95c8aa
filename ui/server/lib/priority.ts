import { setPriority } from 'node:os';

/** Niceness of the processes that compute runs: below the server, so pages stay quick while a job runs. */
export const JOB_NICENESS = 15;

/**
 * Lowers a child's scheduling priority (raises its niceness) so the server answering requests
 * goes first. Best effort: a system that refuses leaves the child as it is.
 */
export function lowerPriority(pid: number | undefined, niceness = JOB_NICENESS): void {
  if (pid === undefined) return;
  try {
    setPriority(pid, niceness);
  } catch {
    // not permitted here, or not supported by the runtime
  }
}
