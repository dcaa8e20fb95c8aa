import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GradlensError } from '../errors/errors.ts';

const SCRIPT = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.tsx']);
const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);

/** A module the user named: a file (resolved) or an installed package (its name). */
export type ModuleRef = { kind: 'file'; path: string } | { kind: 'package'; name: string };

/**
 * Reads a module name as every CLI does: a path when it looks like one (`./x`, `/x`, a file
 * extension such as `my-plugins.ts`) or names a file under `baseDir`, resolved against `baseDir`;
 * otherwise the name of an installed package (`my-gradlens-plugins`, `@me/plugins`, `pkg/sub`).
 */
export function moduleRef(specifier: string, baseDir: string): ModuleRef {
  if (specifier.startsWith('file:')) return { kind: 'file', path: new URL(specifier).pathname };
  const path = resolve(baseDir, specifier);
  const looksLikePath = specifier.startsWith('.') || isAbsolute(specifier) || specifier.includes('\\') ||
    SCRIPT.has(extname(specifier));
  return looksLikePath || existsSync(path) ? { kind: 'file', path } : { kind: 'package', name: specifier };
}

/**
 * Imports a module the user named (see {@link moduleRef}). TypeScript files load natively on Deno
 * and when gradlens itself runs from its TypeScript sources; from gradlens's compiled JavaScript on
 * Node they load through tsx, which is used for nothing else. Packages resolve from `baseDir`
 * first (the user's project), then from gradlens's own location.
 */
export async function importModule(specifier: string, baseDir: string): Promise<Record<string, unknown>> {
  const ref = moduleRef(specifier, baseDir);
  if (ref.kind === 'package') {
    let url = ref.name;
    try {
      url = pathToFileURL(createRequire(join(baseDir, 'package.json')).resolve(ref.name)).href;
    } catch {
      // not resolvable from the project as CommonJS: let the ESM resolver try from here
    }
    return await import(url);
  }
  if (!existsSync(ref.path)) throw new GradlensError('module file not found', { where: ref.path });
  const url = pathToFileURL(ref.path).href;
  if (TYPESCRIPT.has(extname(ref.path)) && needsTypeScriptLoader()) {
    const { tsImport } = await import('tsx/esm/api');
    return await tsImport(url, import.meta.url);
  }
  return await import(url);
}

/** True on Node when this module is compiled JavaScript: TypeScript then needs tsx. */
function needsTypeScriptLoader(): boolean {
  return !('Deno' in globalThis) && !import.meta.url.endsWith('.ts');
}
