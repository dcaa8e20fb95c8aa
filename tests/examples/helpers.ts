import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRunConfig } from '../../core/runs/config.ts';
import { runAttributions, type RunResult } from '../../core/runs/runner.ts';
import { Registry } from '../../core/plugins/registry.ts';
import { plugins } from '../../plugins/index.ts';

/** The repository's examples/ directory. */
export const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '../../examples');

/** A registry holding the built-in plugins, as the CLI builds it. */
export function builtinRegistry(): Registry {
  const registry = new Registry();
  for (const plugin of plugins) registry.register(plugin, 'builtin');
  return registry;
}

/**
 * Runs an example's run config on its first `limit` samples, writing into a fresh temporary
 * runs directory (removed by the returned `cleanup`), exactly as `gradlens run --config` would
 * resolve its paths.
 */
export async function runExample(
  configPath: string,
  limit: number,
): Promise<{ result: RunResult; cleanup: () => void }> {
  const { config, baseDir } = readRunConfig(configPath);
  const runsDir = mkdtempSync(join(tmpdir(), 'gradlens-example-'));
  const result = await runAttributions(
    { ...config, runsDir, dataset: { ...config.dataset, limit, batchSize: limit } },
    { registry: builtinRegistry(), baseDir },
  );
  return { result, cleanup: () => rmSync(runsDir, { recursive: true, force: true }) };
}
