import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The URL of a module beside `base` (an `import.meta.url`), named by its TypeScript source:
 * the `.ts` file when gradlens runs from its sources (a clone, Deno), the compiled `.js` when it
 * runs from its npm package. For files started in a worker or child process.
 */
export function moduleUrl(relativeTs: string, base: string): URL {
  return new URL(base.endsWith('.ts') ? relativeTs : relativeTs.replace(/\.ts$/, '.js'), base);
}

let root: string | undefined;

/**
 * The folder of gradlens's package.json: the clone's root, or node_modules/gradlens when
 * installed (the compiled files sit one folder deeper there, in dist/).
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'gradlens') {
      return root = dir;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`gradlens's package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}
