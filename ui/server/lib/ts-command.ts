import process from 'node:process';

/**
 * The command that runs a TypeScript (or, compiled, JavaScript) file on the current runtime: Deno
 * as it is, compiled JavaScript on plain Node, sources through tsx. `heapMb` caps the V8 heap.
 */
export function tsCommand(file: string, heapMb?: number): [string, string[]] {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  const heap = heapMb === undefined ? [] : [`--max-old-space-size=${heapMb}`];
  if (deno) return [deno.execPath(), ['run', '-A', ...heap.map((h) => `--v8-flags=${h}`), file]];
  if (file.endsWith('.js')) return [process.execPath, [...heap, file]];
  return [process.execPath, [...heap, '--import', import.meta.resolve('tsx'), file]];
}
