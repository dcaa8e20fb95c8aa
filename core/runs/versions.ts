import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { packageRoot } from '../io/module-url.ts';
import { tf } from '../tensor/tf.ts';

/** Versions recorded with every run: gradlens, tfjs and the JavaScript runtime. */
export function versions(): Record<string, string> {
  const deno = (globalThis as { Deno?: { version: { deno: string } } }).Deno;
  return {
    gradlens: gradlensVersion(),
    tfjs: tf.version.tfjs,
    runtime: deno ? `deno ${deno.version.deno}` : `node ${process.versions.node}`,
  };
}

export function gradlensVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8'));
    return String(pkg.version);
  } catch {
    return 'unknown';
  }
}
