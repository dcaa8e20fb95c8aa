import { readFileSync } from 'node:fs';
import process from 'node:process';
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
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    return String(pkg.version);
  } catch {
    return 'unknown';
  }
}
