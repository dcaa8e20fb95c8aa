import type { Registry } from '../plugins/registry.ts';
import type { PluginKind } from '../plugins/types.ts';

/** What every CLI command receives. */
export interface CommandContext {
  /** Arguments after the command name. */
  argv: string[];
  /**
   * The registry with the built-in plugins (commands may register more). Built on the first call:
   * it loads tfjs, which `--help` and `gradlens plugins` never need.
   */
  registry(): Promise<Registry>;
  /** Where output goes (stdout) and where progress/diagnostics go (stderr). */
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal (progress bars), false for plain progress lines. */
  isTTY: boolean;
  verbose: boolean;
}

/**
 * A CLI command: parses its own flags (node:util parseArgs), returns the exit code. A command
 * module imports only what its help needs; the work's modules are imported by `run`.
 */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(context: CommandContext): Promise<number>;
}

/** Names and descriptions of the built-in plugins, written at build time, so listing them loads no tfjs. */
export type PluginCatalog = Partial<Record<PluginKind, { name: string; description: string }[]>>;
