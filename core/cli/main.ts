import process from 'node:process';
import { isUserError } from '../errors/errors.ts';
import type { Registry } from '../plugins/registry.ts';
import { attributeCommand } from './attribute.ts';
import { engineCommand } from './engine.ts';
import { evaluateCommand } from './evaluate.ts';
import { pluginsCommand } from './plugins.ts';
import { runCommand } from './run.ts';
import type { Command, CommandContext, PluginCatalog } from './types.ts';

export interface CliSetup {
  /** The built-in plugins: a registry, or a function that builds it when a command first needs it. */
  registry: Registry | (() => Promise<Registry>);
  /** Names and descriptions of the built-ins, for `gradlens plugins` without loading them. */
  catalog?: () => PluginCatalog | undefined;
  /** Commands beyond the core's `run` and `attribute` (e.g. the dashboard's `serve`, `start`). */
  commands?: Command[];
  /** Output streams (default: process.stdout / process.stderr); tests capture them. */
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

/** Core commands plus a `plugins` listing. */
function coreCommands(setup: CliSetup): Command[] {
  return [
    runCommand,
    attributeCommand,
    evaluateCommand,
    pluginsCommand(setup.catalog ?? (() => undefined)),
    engineCommand,
  ];
}

/**
 * Runs the CLI and returns the exit code: 0 on success, 2 for a user error (one line: what was
 * wrong, where, and what would be right; stack only with --verbose), 1 for a bug.
 */
export async function runCli(argv: string[], setup: CliSetup): Promise<number> {
  const commands = [...coreCommands(setup), ...(setup.commands ?? [])];
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
    registry: once(setup.registry),
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

/** The registry, built once on first use. */
function once(source: CliSetup['registry']): () => Promise<Registry> {
  let built: Promise<Registry> | undefined;
  return () => (built ??= typeof source === 'function' ? source() : Promise.resolve(source));
}
