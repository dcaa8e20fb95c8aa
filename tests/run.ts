/**
 * Runs every `*.test.ts` under tests/ with uvu, on whichever runtime executes this file (Node via
 * tsx, or Deno). Usage: `tsx tests/run.ts [filter]` / `deno run -A tests/run.ts [filter]`.
 * Prints uvu's summary; the exit code is non-zero when a test failed.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const g = globalThis as unknown as { UVU_DEFER: number; UVU_QUEUE: unknown[][]; UVU_INDEX: number };
g.UVU_DEFER = 1;
g.UVU_QUEUE = [];

const root = new URL('.', import.meta.url).pathname;
const filter = process.argv[2];

function find(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'fixtures' ? [] : find(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const files = find(root).filter((f) => !filter || f.includes(filter));
const { exec } = await import('uvu');
for (const [i, file] of files.entries()) {
  g.UVU_INDEX = i;
  g.UVU_QUEUE.push([relative(root, file)]);
  await import(pathToFileURL(file).href);
}
await exec();
const code = (process as { exitCode?: number }).exitCode ?? 0;
// Tensor backends can keep handles open; exit explicitly once the summary is printed.
process.exit(code);
