import { parseArgs } from 'node:util';
import type { Command, PluginCatalog } from './types.ts';

const KINDS = ['model', 'dataset', 'attribution', 'metric'] as const;

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
        listing = Object.fromEntries(
          KINDS.map((kind) => [kind, r.list(kind).map((p) => ({ name: p.name, description: p.description }))]),
        ) as PluginCatalog;
      }
      for (const kind of KINDS) {
        stdout(`${kind}s:\n`);
        for (const p of listing[kind] ?? []) stdout(`  ${p.name.padEnd(22)} ${p.description}\n`);
      }
      return 0;
    },
  };
}
