/**
 * Child process that computes one run for the dashboard, off the server's event loop.
 * Usage: `child.ts <job.json>` where the file holds `{ config, baseDir, pluginModules }`.
 * Prints one JSON line per finished batch (`{"progress": ...}`) on stdout; on failure prints the
 * error on stderr and exits 1 (the manifest then says `failed` too).
 * With `{ probe: { plugin, options, output? }, baseDir, pluginModules }` it only loads the model
 * (on the cpu backend) and prints `{"outputs": [...], "capabilities": {...}}`: the heads the run
 * form offers, and what the model offers the methods (gradients, spatial layers).
 * With `roots`, every path option is checked against them again (and code options refused unless
 * they name a module registered here): a refusal prints `access: <why>` and exits 3.
 */
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { z } from 'zod';
import {
  AccessError,
  confineRun,
  initBackend,
  modelCapabilities,
  parsePluginOptions,
  Registry,
  resolveOutput,
  runAttributions,
  Workspace,
} from '../../../core/index.ts';
import { registeredModule } from './spawn.ts';

const Job = z.object({
  config: z.record(z.string(), z.unknown()).optional(),
  probe: z.object({
    plugin: z.string(),
    options: z.record(z.string(), z.unknown()),
    output: z.union([z.string(), z.number()]).optional(),
  }).optional(),
  baseDir: z.string(),
  pluginModules: z.array(z.string()),
  roots: z.array(z.string()).optional(),
  maxEvaluations: z.number().positive().optional(),
});

try {
  const job = Job.parse(JSON.parse(readFileSync(process.argv[2], 'utf8')));
  const registry = new Registry();
  for (const module of job.pluginModules) await registry.registerModule(module, job.baseDir);
  const settings = job.roots
    ? {
      workspace: new Workspace(job.roots),
      baseDir: job.baseDir,
      allowCode: registeredModule(job.pluginModules, job.baseDir),
    }
    : undefined;
  if (job.probe) {
    if (settings) {
      job.probe.options = confineRun(
        registry,
        { model: { plugin: job.probe.plugin, options: job.probe.options } },
        settings,
      )
        .model.options!;
    }
    await initBackend('cpu');
    const plugin = registry.get('model', job.probe.plugin);
    const options = parsePluginOptions(plugin.options, job.probe.options, `model.options (${plugin.name})`);
    const model = await plugin.load(options, { baseDir: job.baseDir });
    const output = resolveOutput(model, job.probe.output);
    const capabilities = modelCapabilities(model, model.inputShape, output);
    process.stdout.write(
      JSON.stringify({ outputs: model.outputs, output, capabilities, inputShape: model.inputShape }) + '\n',
    );
    process.exit(0);
  }
  const config = settings ? confineRun(registry, job.config as never, settings) : job.config;
  const result = await runAttributions(config as never, {
    registry,
    baseDir: job.baseDir,
    maxEvaluations: job.maxEvaluations,
    onProgress: (progress) => process.stdout.write(JSON.stringify({ progress }) + '\n'),
  });
  process.stdout.write(JSON.stringify({ done: result.id }) + '\n');
  process.exit(0);
} catch (error) {
  const access = error instanceof AccessError;
  process.stderr.write(`${access ? 'access: ' : ''}${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(access ? 3 : 1);
}
