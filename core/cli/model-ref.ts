import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';

/**
 * Chooses the model plugin and its options for a `--model PATH` flag: a `.ts`/`.js` module is
 * a code-defined model (`module-model`), a model.json whose format is `graph-model` a GraphModel,
 * anything else a LayersModel. `--model-plugin` overrides the choice. Plugins are looked up by
 * name in the registry, so a user's plugin can take any of these names' places.
 */
export function modelRef(path: string, plugin?: string): { plugin: string; options: Record<string, unknown> } {
  const file = resolve(path);
  if (plugin) return { plugin, options: plugin === 'module-model' ? { module: file } : { path: file } };
  if (['.ts', '.js', '.mjs', '.mts'].includes(extname(file))) {
    return { plugin: 'module-model', options: { module: file } };
  }
  let format: unknown;
  if (existsSync(file)) {
    try {
      format = JSON.parse(readFileSync(file, 'utf8')).format;
    } catch {
      // the model plugin reports malformed JSON with the file name
    }
  }
  return { plugin: format === 'graph-model' ? 'graph-model' : 'layers-model', options: { path: file } };
}
