/**
 * A pool worker: one tfjs engine and one loaded model per thread. It rebuilds the registry from
 * module specifiers (the composition root's built-ins, then the run's plugin modules), loads the
 * model once, binds the run's plan to it, and answers batch tasks with plain arrays computed by
 * the one batch computation (core/pipeline/batch.ts). Started by ./pool.ts; on Node through
 * ./worker.mjs (which registers tsx), on Deno directly.
 */
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../engine/backend.ts';
import { type BoundRun, computeBatch } from '../pipeline/batch.ts';
import { parsePluginOptions } from '../pipeline/options.ts';
import { bindPlan } from '../pipeline/plan.ts';
import { Registry } from '../plugins/registry.ts';
import type { PoolSetup, TaskMessage, WorkerReply } from './pool.ts';

const port = parentPort;
if (!port) throw new Error('core/workers/worker.ts runs only as a worker thread');

let ready: Promise<BoundRun> | undefined;

async function setUp({ registryModules, pluginModules, backend, plan }: PoolSetup): Promise<BoundRun> {
  const registry = new Registry();
  for (const specifier of registryModules) await registry.registerModule(specifier);
  for (const { specifier, baseDir } of pluginModules) await registry.registerModule(specifier, baseDir);
  await initBackend(backend);
  const plugin = registry.get('model', plan.model.plugin);
  const options = parsePluginOptions(plugin.options, plan.model.options, `model.options (${plugin.name})`);
  const model = await plugin.load(options, { baseDir: plan.baseDir });
  return bindPlan(plan, registry, model);
}

async function handle(message: TaskMessage): Promise<WorkerReply> {
  try {
    if (message.kind === 'setup') {
      ready = setUp(message.setup);
      await ready;
      return { id: message.id, ok: true, result: null };
    }
    if (!ready) throw new Error('worker used before setup');
    return { id: message.id, ok: true, result: await computeBatch(await ready, message.data) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    return { id: message.id, ok: false, error: { name: e.name, message: e.message, stack: e.stack } };
  }
}

// One task at a time, in arrival order (the pool sends one per worker anyway).
let queue = Promise.resolve();
port.on('message', (message: TaskMessage) => {
  queue = queue.then(async () => port.postMessage(await handle(message)));
});
