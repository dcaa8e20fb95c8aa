import process from 'node:process';

/** The command that runs a TypeScript (or, compiled, JavaScript) file on the current runtime. */
export function tsCommand(file: string): [string, string[]] {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  if (deno) return [deno.execPath(), ['run', '-A', file]];
  if (file.endsWith('.js')) return [process.execPath, [file]];
  return [process.execPath, ['--import', import.meta.resolve('tsx'), file]];
}
