/**
 * Child process that computes one run for the dashboard, off the server's event loop.
 * Usage: `child.ts <job.json>` where the file holds `{ config, baseDir, pluginModules }`.
 * Prints one JSON line per finished batch (`{"progress": ...}`) on stdout; on failure prints the
 * error on stderr and exits 1 (the manifest then says `failed` too).
 * With `{ probe: { plugin, options }, baseDir, pluginModules }` it only loads the model (on the
 * cpu backend) and prints `{"outputs": [...]}`: the heads the run form offers.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import process from 'node:process';
import { z } from 'zod';
import { Registry } from '../../../core/plugins/registry.ts';
import { initBackend } from '../../../core/engine/backend.ts';
import { runAttributions } from '../../../core/runs/runner.ts';

const Job = z.object({
  config: z.record(z.string(), z.unknown()).optional(),
  probe: z.object({ plugin: z.string(), options: z.record(z.string(), z.unknown()) }).optional(),
  baseDir: z.string(),
  pluginModules: z.array(z.string()),
});

/**
 * Registers a module's default export and/or `plugins` array. A module exporting the same list
 * both ways (as plugins/index.ts does) registers each plugin once.
 */
async function register(registry: Registry, module: string): Promise<void> {
  const path = isAbsolute(module) ? module : resolve(module);
  const mod = await import(pathToFileURL(path).href);
  const found = new Set([mod.default, mod.plugins].flat().filter((p) => p !== undefined && p !== null));
  for (const plugin of found) registry.register(plugin, path);
}

try {
  const job = Job.parse(JSON.parse(readFileSync(process.argv[2], 'utf8')));
  const registry = new Registry();
  for (const module of job.pluginModules) await register(registry, module);
  if (job.probe) {
    await initBackend('cpu');
    const plugin = registry.get('model', job.probe.plugin);
    const model = await plugin.load(plugin.options.parse(job.probe.options), { baseDir: job.baseDir });
    process.stdout.write(JSON.stringify({ outputs: model.outputs }) + '\n');
    process.exit(0);
  }
  const result = await runAttributions(job.config! as never, {
    registry,
    baseDir: job.baseDir,
    onProgress: (progress) => process.stdout.write(JSON.stringify({ progress }) + '\n'),
  });
  process.stdout.write(JSON.stringify({ done: result.id }) + '\n');
  process.exit(0);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
