import { dirname } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/**
 * The test file that called into gradlens/testing, read from a stack trace captured at the
 * call (Node, tsx and Deno all print `file:///...` URLs or absolute paths): the nearest file named
 * like a test (`*.test.ts`, `*_test.ts`, `*.spec.js`, ...), else the nearest caller. Undefined
 * when the stack names no file (e.g. a REPL).
 */
export function callerFile(stack = new Error().stack ?? ''): string | undefined {
  const files: string[] = [];
  for (const line of stack.split('\n').slice(1)) {
    const text = line.trim();
    // `at fn (location)` or `at location`; paths may hold spaces (Node prints them unescaped).
    const location = (/\((.+):\d+:\d+\)$/.exec(text) ?? /^at (?:async )?(.+):\d+:\d+$/.exec(text))?.[1];
    if (!location || !/^(file:\/\/|\/|[A-Za-z]:\\)/.test(location)) continue;
    const path = location.startsWith('file://') ? fileURLToPath(location) : location;
    if (/[/\\]core[/\\]testing[/\\]/.test(path) || /[/\\]node_modules[/\\]/.test(path)) continue;
    files.push(path);
  }
  // A helper that wraps expectAttribution is not the test: prefer the nearest test-named file.
  return files.find((f) => /[._-](test|spec)\.[cm]?[jt]sx?$/.test(f)) ?? files[0];
}

/** The directory relative paths (goldens, PNGs) resolve against: the caller's, else the cwd. */
export function callerDir(file: string | undefined): string {
  return file ? dirname(file) : process.cwd();
}
