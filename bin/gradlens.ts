#!/usr/bin/env node
/**
 * The gradlens command: core commands, the built-in plugins, and the dashboard's commands,
 * composed here so that core knows nothing of plugins/ or ui/. Nothing heavy is imported before
 * a command needs it: `gradlens --help` and `gradlens plugins` load no tfjs.
 */
import { existsSync, readFileSync } from 'node:fs';
import process from 'node:process';
import { runCli } from '../core/cli/main.ts';
import type { PluginCatalog } from '../core/cli/types.ts';
import { moduleUrl } from '../core/io/module-url.ts';
import { setDefaultRegistryModules } from '../core/workers/pool.ts';
import { commands } from '../ui/commands.ts';

const PLUGINS = moduleUrl('../plugins/index.ts', import.meta.url);
// Worker threads (--workers) rebuild the same built-ins by importing this module.
setDefaultRegistryModules([PLUGINS.href]);

const code = await runCli(process.argv.slice(2), {
  registry: async () => (await import(PLUGINS.href)).builtinRegistry(),
  catalog: () => {
    // Written next to the compiled plugins by the build (scripts/build.mjs); absent in a clone's sources.
    const file = new URL('../plugins/catalog.json', import.meta.url);
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as PluginCatalog : undefined;
  },
  commands,
});
// Backends may hold handles (wasm workers, timers); exit with the code once the command is done,
// unless the command keeps serving (it then never resolves).
process.exit(code);
