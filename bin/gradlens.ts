/**
 * The gradlens command: core commands, the built-in plugins, and the dashboard's commands,
 * composed here so that core knows nothing of plugins/ or ui/.
 */
import process from 'node:process';
import { runCli } from '../core/cli/main.ts';
import { builtinRegistry } from '../plugins/index.ts';
import { commands } from '../ui/commands.ts';
import { setDefaultRegistryModules } from '../core/workers/pool.ts';

const registry = builtinRegistry();
// Worker threads (--workers) rebuild the same built-ins by importing this module.
setDefaultRegistryModules([new URL('../plugins/index.ts', import.meta.url).href]);

const code = await runCli(process.argv.slice(2), { registry, commands });
// Backends may hold handles (wasm workers, timers); exit with the code once the command is done,
// unless the command keeps serving (it then never resolves).
process.exit(code);
