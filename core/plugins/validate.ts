import { GradlensError } from '../errors/errors.ts';
import type { Plugin, PluginKind } from './types.ts';

const REQUIRED: Record<PluginKind, string[]> = {
  model: ['load'],
  dataset: ['open'],
  attribution: ['attribute'],
  metric: ['evaluate'],
};

/**
 * Checks the shape every plugin shares (kind, name, description, a zod options schema, its
 * kind's functions, an attribution's `needs` and `signed`); a malformed plugin is an error naming
 * `source` (its module) and the field.
 */
export function validatePlugin(plugin: unknown, source: string): Plugin {
  const fail = (what: string): never => {
    throw new GradlensError(`malformed plugin: ${what}`, { where: source });
  };
  if (typeof plugin !== 'object' || plugin === null) return fail(`expected an object, got ${typeof plugin}`);
  const p = plugin as Record<string, unknown>;
  if (p.kind !== 'model' && p.kind !== 'dataset' && p.kind !== 'attribution' && p.kind !== 'metric') {
    return fail(`'kind' must be 'model', 'dataset', 'attribution' or 'metric', got ${JSON.stringify(p.kind)}`);
  }
  const label = `${p.kind} plugin ${JSON.stringify(p.name)}`;
  if (typeof p.name !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/i.test(p.name)) {
    return fail(`${label}: 'name' must be a non-empty string of letters, digits, '.', '_' or '-'`);
  }
  const options = p.options as { safeParse?: unknown } | undefined;
  if (!options || typeof options.safeParse !== 'function') {
    return fail(`${label}: 'options' must be a zod schema`);
  }
  for (const method of REQUIRED[p.kind]) {
    if (typeof p[method] !== 'function') return fail(`${label}: '${method}' must be a function`);
  }
  if (p.kind === 'attribution') {
    if (!Array.isArray(p.needs)) return fail(`${label}: 'needs' must be an array`);
    if (typeof p.signed !== 'boolean') return fail(`${label}: 'signed' must be a boolean`);
  }
  if (p.kind === 'metric') {
    if (!Array.isArray(p.needs)) return fail(`${label}: 'needs' must be an array`);
    if (typeof p.higherIsBetter !== 'boolean') return fail(`${label}: 'higherIsBetter' must be a boolean`);
    if (typeof p.category !== 'string') return fail(`${label}: 'category' must be a string`);
  }
  if (typeof p.description !== 'string') return fail(`${label}: 'description' must be a string`);
  return plugin as Plugin;
}
