/**
 * Child process that computes one run for the dashboard, off the server's event loop.
 * Usage: `child.ts <job.json>` where the file holds `{ config, baseDir, pluginModules }`.
 * Prints one JSON line per finished batch (`{"progress": ...}`) on stdout; on failure prints the
 * error on stderr and exits 1 (the manifest then says `failed` too).
 * With `{ probe: { plugin, options, output? }, baseDir, pluginModules }` it only loads the model
 * (on the cpu backend) and prints `{"outputs": [...], "capabilities": {...}}`: the heads the run
 * form offers, and what the model offers the methods (gradients, spatial layers).
 */
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { z } from 'zod';
import {
  initBackend,
  modelCapabilities,
  parsePluginOptions,
  Registry,
  resolveOutput,
  runAttributions,
} from '../../../core/index.ts';

const Job = z.object({
  config: z.record(z.string(), z.unknown()).optional(),
  probe: z.object({
    plugin: z.string(),
    options: z.record(z.string(), z.unknown()),
    output: z.union([z.string(), z.number()]).optional(),
  }).optional(),
  baseDir: z.string(),
  pluginModules: z.array(z.string()),
});

try {
  const job = Job.parse(JSON.parse(readFileSync(process.argv[2], 'utf8')));
  const registry = new Registry();
  for (const module of job.pluginModules) await registry.registerModule(module, job.baseDir);
  if (job.probe) {
    await initBackend('cpu');
    const plugin = registry.get('model', job.probe.plugin);
    const options = parsePluginOptions(plugin.options, job.probe.options, `model.options (${plugin.name})`);
    const model = await plugin.load(options, { baseDir: job.baseDir });
    const output = resolveOutput(model, job.probe.output);
    const capabilities = modelCapabilities(model, model.inputShape, output);
    process.stdout.write(JSON.stringify({ outputs: model.outputs, output, capabilities }) + '\n');
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
