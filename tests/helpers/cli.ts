import { spawn, spawnSync } from 'node:child_process';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../core/cli/main.ts';
import { builtinRegistry } from './fixtures.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;

/** Runs the CLI in this process (fast); returns the exit code and what it printed. */
export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    registry: builtinRegistry(),
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
  });
  return { code, stdout, stderr };
}

/** The command line that starts the real `gradlens` bin on the runtime running the tests. */
export function binCommand(): [string, string[]] {
  return deno
    ? [deno.execPath(), ['run', '-A', `${ROOT}bin/gradlens.ts`]]
    : [process.execPath, ['--import', 'tsx', `${ROOT}bin/gradlens.ts`]];
}

/** Runs the real bin in a child process and waits for it. */
export function cliProcess(
  args: string[],
  cwd = ROOT,
  env: Record<string, string> = {},
): { code: number; stdout: string; stderr: string } {
  const [cmd, pre] = binCommand();
  const r = spawnSync(cmd, [...pre, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the real bin without waiting (for kill tests). */
export function startCli(args: string[], cwd = ROOT) {
  const [cmd, pre] = binCommand();
  return spawn(cmd, [...pre, ...args], { cwd, stdio: 'ignore' });
}
