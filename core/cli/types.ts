import type { Registry } from '../plugins/registry.ts';

/** What every CLI command receives. */
export interface CommandContext {
  /** Arguments after the command name. */
  argv: string[];
  /** Registry with the built-in plugins (commands may register more). */
  registry: Registry;
  /** Where output goes (stdout) and where progress/diagnostics go (stderr). */
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal (progress bars), false for plain progress lines. */
  isTTY: boolean;
  verbose: boolean;
}

/** A CLI command: parses its own flags (node:util parseArgs), returns the exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(context: CommandContext): Promise<number>;
}
