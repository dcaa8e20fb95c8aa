/**
 * The gradlens command: core commands, the built-in plugins, and the dashboard's commands,
 * composed here so that core knows nothing of plugins/ or ui/.
 */
import process from 'node:process';
import { runCli } from '../core/cli/main.ts';
import type { Command } from '../core/cli/types.ts';
import { Registry } from '../core/plugins/registry.ts';
import { plugins } from '../plugins/index.ts';

const registry = new Registry();
for (const plugin of plugins) registry.register(plugin, 'gradlens/plugins');

async function uiCommands(): Promise<Command[]> {
  try {
    const specifier = '../ui/commands.ts';
    const ui = await import(specifier);
    return ui.commands as Command[];
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return [];
    throw error;
  }
}

const code = await runCli(process.argv.slice(2), { registry, commands: await uiCommands() });
// Backends may hold handles (wasm workers, timers); exit with the code once the command is done,
// unless the command keeps serving (it then never resolves).
process.exit(code);
