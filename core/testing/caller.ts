import { dirname } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/**
 * The file that called into gradlens/testing, read from a stack trace captured at the call
 * (Node, tsx and Deno all print `file:///...` URLs or absolute paths). Undefined when the stack
 * names no such file (e.g. a REPL).
 */
export function callerFile(stack = new Error().stack ?? ''): string | undefined {
  for (const line of stack.split('\n').slice(1)) {
    const text = line.trim();
    // `at fn (location)` or `at location`; paths may hold spaces (Node prints them unescaped).
    const location = (/\((.+):\d+:\d+\)$/.exec(text) ?? /^at (?:async )?(.+):\d+:\d+$/.exec(text))?.[1];
    if (!location || !/^(file:\/\/|\/|[A-Za-z]:\\)/.test(location)) continue;
    const path = location.startsWith('file://') ? fileURLToPath(location) : location;
    if (/[/\\]core[/\\]testing[/\\]/.test(path) || /[/\\]node_modules[/\\]/.test(path)) continue;
    return path;
  }
  return undefined;
}

/** The directory relative paths (goldens, PNGs) resolve against: the caller's, else the cwd. */
export function callerDir(file: string | undefined): string {
  return file ? dirname(file) : process.cwd();
}
