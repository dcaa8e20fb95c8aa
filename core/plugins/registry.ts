import process from 'node:process';
import { GradlensError } from '../errors/errors.ts';
import type { AttributionPlugin, DatasetPlugin, MetricPlugin, ModelPlugin, Plugin, PluginKind } from './types.ts';
import { importModule, moduleRef } from './load-module.ts';
import { validatePlugin } from './validate.ts';

type ByKind = { model: ModelPlugin; dataset: DatasetPlugin; attribution: AttributionPlugin; metric: MetricPlugin };

interface Entry {
  plugin: Plugin;
  /** The module (or `api`) the plugin came from, for error messages. */
  source: string;
}

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
   * array of plugins, and/or a named `plugins` array. A path (`my-plugins.ts`, `./p.js`,
   * `lib/p.mjs`) resolves against `baseDir`; a bare name (`my-plugins`) is an installed package.
   */
  async registerModule(specifier: string, baseDir: string = process.cwd()): Promise<Plugin[]> {
    const ref = moduleRef(specifier, baseDir);
    const where = ref.kind === 'file' ? ref.path : ref.name;
    let mod: Record<string, unknown>;
    try {
      mod = await importModule(specifier, baseDir);
    } catch (error) {
      if (error instanceof GradlensError) throw error;
      throw new GradlensError(`cannot import plugin module: ${firstLine(error)}`, { where });
    }
    // A module may export the same plugins as default and as `plugins`: register each once.
    const found = [...new Set([...asArray(mod.default), ...asArray(mod.plugins)])];
    if (found.length === 0) {
      throw new GradlensError(
        'plugin module exports no plugin: export default a plugin (or an array), or export const plugins = [...]',
        { where },
      );
    }
    return found.map((p) => this.register(p, where));
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

  /** Every registered plugin, of every kind, by kind then name. */
  all(): Plugin[] {
    return [...this.#entries.values()].map((e) => e.plugin)
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  }

  sourceOf(kind: PluginKind, name: string): string | undefined {
    return this.#entries.get(`${kind}:${name}`)?.source;
  }
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
