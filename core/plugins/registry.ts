import { isAbsolute, resolve } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { GradlensError } from '../errors/errors.ts';
import type { AttributionPlugin, DatasetPlugin, ModelPlugin, Plugin, PluginKind } from './types.ts';

type ByKind = { model: ModelPlugin; dataset: DatasetPlugin; attribution: AttributionPlugin };

interface Entry {
  plugin: Plugin;
  /** The module (or `api`) the plugin came from, for error messages. */
  source: string;
}

const REQUIRED: Record<PluginKind, string[]> = {
  model: ['load'],
  dataset: ['open'],
  attribution: ['attribute'],
};

/** Plugins by kind and name. Built-ins are registered the same way as a user's plugins. */
export class Registry {
  readonly #entries = new Map<string, Entry>();

  /** Adds a plugin; a name clash or a malformed plugin is an error naming `source`. */
  register(plugin: unknown, source = 'api'): Plugin {
    const valid = validatePlugin(plugin, source);
    const key = `${valid.kind}:${valid.name}`;
    const existing = this.#entries.get(key);
    if (existing) {
      throw new GradlensError(
        `${valid.kind} plugin '${valid.name}' is already registered by ${existing.source}; rename one of them`,
        { where: source },
      );
    }
    this.#entries.set(key, { plugin: valid, source });
    return valid;
  }

  /**
   * Imports a module and registers what it exports: a default export that is a plugin or an
   * array of plugins, and/or a named `plugins` array. Relative paths resolve against `baseDir`.
   */
  async registerModule(specifier: string, baseDir = process.cwd()): Promise<Plugin[]> {
    const isPath = specifier.startsWith('.') || isAbsolute(specifier);
    const path = isPath ? resolve(baseDir, specifier) : specifier;
    let mod: Record<string, unknown>;
    try {
      mod = await import(isPath ? pathToFileURL(path).href : path);
    } catch (error) {
      throw new GradlensError(`cannot import plugin module: ${firstLine(error)}`, { where: path });
    }
    // A module may export the same plugins as default and as `plugins`: register each once.
    const found = [...new Set([...asArray(mod.default), ...asArray(mod.plugins)])];
    if (found.length === 0) {
      throw new GradlensError(
        'plugin module exports no plugin: export default a plugin (or an array), or export const plugins = [...]',
        { where: path },
      );
    }
    return found.map((p) => this.register(p, path));
  }

  get<K extends PluginKind>(kind: K, name: string): ByKind[K] {
    const entry = this.#entries.get(`${kind}:${name}`);
    if (!entry) {
      const known = this.list(kind).map((p) => p.name);
      throw new GradlensError(
        `unknown ${kind} plugin '${name}'; known: ${known.length ? known.join(', ') : '(none registered)'}`,
      );
    }
    return entry.plugin as ByKind[K];
  }

  has(kind: PluginKind, name: string): boolean {
    return this.#entries.has(`${kind}:${name}`);
  }

  list<K extends PluginKind>(kind: K): ByKind[K][] {
    return [...this.#entries.values()]
      .filter((e) => e.plugin.kind === kind)
      .map((e) => e.plugin as ByKind[K])
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  sourceOf(kind: PluginKind, name: string): string | undefined {
    return this.#entries.get(`${kind}:${name}`)?.source;
  }
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function validatePlugin(plugin: unknown, source: string): Plugin {
  const fail = (what: string): never => {
    throw new GradlensError(`malformed plugin: ${what}`, { where: source });
  };
  if (typeof plugin !== 'object' || plugin === null) return fail(`expected an object, got ${typeof plugin}`);
  const p = plugin as Record<string, unknown>;
  if (p.kind !== 'model' && p.kind !== 'dataset' && p.kind !== 'attribution') {
    return fail(`'kind' must be 'model', 'dataset' or 'attribution', got ${JSON.stringify(p.kind)}`);
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
  if (typeof p.description !== 'string') return fail(`${label}: 'description' must be a string`);
  return plugin as Plugin;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
