import { parseArgs } from 'node:util';
import type { PluginKind } from '../plugins/types.ts';
import type { Command, PluginCatalog } from './types.ts';

/** The order kinds are listed in; a kind not named here follows, by name. */
const ORDER = ['model', 'dataset', 'attribution', 'metric'];
const rank = (kind: string) => (ORDER.includes(kind) ? ORDER.indexOf(kind) : ORDER.length);

/**
 * `gradlens plugins`: the registered models, datasets and methods. The built-ins come from the
 * catalog written at build time when there is one, so the listing loads no tfjs; `--plugin`
 * modules are imported (and listed with the built-ins).
 */
export function pluginsCommand(catalog: () => PluginCatalog | undefined): Command {
  return {
    name: 'plugins',
    summary: 'list registered models, datasets, attribution methods and metrics',
    usage:
      'gradlens plugins [--plugin MODULE ...]\n\n  --plugin MODULE   also register the plugins of a module (a path, or an installed package)',
    async run({ argv, registry, stdout }) {
      const { values } = parseArgs({
        args: argv,
        options: { plugin: { type: 'string', multiple: true } },
        strict: true,
      });
      let listing = values.plugin?.length ? undefined : catalog();
      if (!listing) {
        const r = await registry();
        for (const module of values.plugin ?? []) await r.registerModule(module);
        listing = {};
        for (const p of r.all()) (listing[p.kind] ??= []).push({ name: p.name, description: p.description });
      }
      const kinds = (Object.keys(listing) as PluginKind[]).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
      // One column for every name, as wide as the longest.
      const width = Math.max(0, ...kinds.flatMap((k) => (listing[k] ?? []).map((p) => p.name.length))) + 2;
      for (const kind of kinds) {
        stdout(`${kind}s:\n`);
        for (const p of listing[kind] ?? []) stdout(`  ${p.name.padEnd(width)} ${p.description}\n`);
      }
      return 0;
    },
  };
}
