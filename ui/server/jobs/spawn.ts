/**
 * How the dashboard starts its run and probe processes, and how it reads their end: the
 * runtime's command with a heap cap, the reason a process failed (running out of memory said
 * plainly), and which code options a request may name.
 */
import { resolve } from 'node:path';

const OOM = /heap out of memory|Allocation failed|JavaScript heap|out of memory/i;

export { tsCommand } from '../lib/ts-command.ts';

/** A probe's failure; `access` when the child refused a path or code option (403 from the API). */
export class ProbeError extends Error {
  override name = 'ProbeError';
  readonly access: boolean;
  constructor(message: string) {
    const access = /^access: (.*)$/m.exec(message);
    super(access ? access[1] : message);
    this.access = access !== null;
  }
}

/** The reason a child failed, from its last error lines; running out of memory says so plainly. */
export function failure(stderr: string, code: number | null, signal: string | null, heapMb: number): string {
  if (OOM.test(stderr) || signal === 'SIGABRT' || code === 134) {
    return `the run ran out of memory (heap limit ${heapMb} MiB, --job-memory): ask for less work ` +
      '(fewer steps or samples per batch, a smaller batch size)';
  }
  if (signal === 'SIGKILL') return 'the run process was killed (out of memory on this machine?)';
  const lines = stderr.trim().split('\n').filter((l) => l.trim() && !/^\s+at /.test(l));
  return lines.slice(-5).join('\n') || `the run process ended with ${signal ?? `exit code ${code}`}`;
}

/** A module the server registered at start, compared by resolved path (a code option may name only these). */
export function registeredModule(pluginModules: string[], baseDir: string): (value: string) => boolean {
  const known = new Set(pluginModules.map((m) => resolve(baseDir, m)));
  return (value) => known.has(resolve(baseDir, value));
}
