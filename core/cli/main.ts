import process from 'node:process';
import { isUserError } from '../errors/errors.ts';
import type { Registry } from '../plugins/registry.ts';
import { attributeCommand } from './attribute.ts';
import { engineCommand } from './engine.ts';
import { runCommand } from './run.ts';
import type { Command, CommandContext } from './types.ts';

export interface CliSetup {
  registry: Registry;
  /** Commands beyond the core's `run` and `attribute` (e.g. the dashboard's `serve`, `start`). */
  commands?: Command[];
  /** Output streams (default: process.stdout / process.stderr); tests capture them. */
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

/** Core commands plus a `plugins` listing. */
function coreCommands(): Command[] {
  return [runCommand, attributeCommand, pluginsCommand, engineCommand];
}

const pluginsCommand: Command = {
  name: 'plugins',
  summary: 'list registered models, datasets and attribution methods',
  usage: 'gradlens plugins [--plugin MODULE ...]',
  async run({ argv, registry, stdout }) {
    for (let i = 0; i < argv.length; i++) if (argv[i] === '--plugin') await registry.registerModule(argv[++i]);
    for (const kind of ['model', 'dataset', 'attribution'] as const) {
      stdout(`${kind}s:\n`);
      for (const p of registry.list(kind)) stdout(`  ${p.name.padEnd(22)} ${p.description}\n`);
    }
    return 0;
  },
};

/**
 * Runs the CLI and returns the exit code: 0 on success, 2 for a user error (one line: what was
 * wrong, where, and what would be right; stack only with --verbose), 1 for a bug.
 */
export async function runCli(argv: string[], setup: CliSetup): Promise<number> {
  const commands = [...coreCommands(), ...(setup.commands ?? [])];
  const verbose = argv.includes('--verbose');
  const [name, ...rest] = argv;
  const stdout = setup.stdout ?? ((t: string) => void process.stdout.write(t));
  const stderr = setup.stderr ?? ((t: string) => void process.stderr.write(t));
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    stdout(usage(commands));
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    stderr(`gradlens: unknown command '${name}'; commands: ${commands.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    stdout(command.usage + '\n');
    return 0;
  }
  const context: CommandContext = {
    argv: rest,
    registry: setup.registry,
    stdout,
    stderr,
    isTTY: Boolean(process.stderr.isTTY),
    verbose,
  };
  try {
    return await command.run(context);
  } catch (error) {
    if (isUserError(error) || isArgError(error)) {
      stderr(`gradlens ${name}: error: ${(error as Error).message.split('\n')[0]}\n`);
      if (verbose) stderr(`${(error as Error).stack}\n`);
      return 2;
    }
    stderr(`gradlens ${name}: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    stderr(verbose ? `${(error as Error)?.stack}\n` : 'run again with --verbose for the stack trace\n');
    return 1;
  }
}

/** node:util parseArgs errors (unknown flag, missing value) are user errors. */
function isArgError(error: unknown): boolean {
  const code = (error as { code?: string })?.code ?? '';
  return code.startsWith('ERR_PARSE_ARGS');
}

function usage(commands: Command[]): string {
  const lines = commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
  return `gradlens: attribution maps for TensorFlow.js models\n\nusage: gradlens <command> [options]\n\n${
    lines.join('\n')
  }\n\ngradlens <command> --help for a command's options.\n`;
}
