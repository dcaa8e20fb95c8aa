/**
 * A pool worker: one tfjs engine and one loaded model per thread. It rebuilds the registry from
 * module specifiers (the composition root's built-ins, then the run's plugin modules), loads the
 * model once, and answers batch tasks with plain arrays (./tasks.ts). Started by ./pool.ts;
 * on Node through ./worker.mjs (which registers tsx), on Deno directly.
 */
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../engine/backend.ts';
import { Registry } from '../plugins/registry.ts';
import type { LoadedModel } from '../plugins/types.ts';
import type { PoolSetup, TaskMessage, WorkerReply } from './pool.ts';
import { batchTensors, computeAttributeBatch, computeRunBatch } from './tasks.ts';

const port = parentPort;
if (!port) throw new Error('core/workers/worker.ts runs only as a worker thread');

let ready: Promise<{ registry: Registry; model: LoadedModel }> | undefined;

async function setUp(setup: PoolSetup) {
  const registry = new Registry();
  for (const specifier of setup.registryModules) await registry.registerModule(specifier);
  for (const { specifier, baseDir } of setup.pluginModules) await registry.registerModule(specifier, baseDir);
  await initBackend(setup.backend);
  const plugin = registry.get('model', setup.model.plugin);
  const options = plugin.options.parse(setup.model.options ?? {});
  const model = await plugin.load(options, { baseDir: setup.model.baseDir });
  return { registry, model };
}

async function handle(message: TaskMessage): Promise<WorkerReply> {
  try {
    if (message.kind === 'setup') {
      ready = setUp(message.setup);
      await ready;
      return { id: message.id, ok: true, result: null };
    }
    if (!ready) throw new Error('worker used before setup');
    const { registry, model } = await ready;
    const { x, y } = batchTensors(message.data);
    try {
      if (message.kind === 'run') {
        const spec = {
          ...message.spec,
          methods: message.spec.methods.map((m) => ({ ...m, plugin: registry.get('attribution', m.plugin) })),
        };
        const result = await computeRunBatch(model, x, y, message.data.ids, spec);
        return { id: message.id, ok: true, result };
      }
      const spec = { ...message.spec, method: registry.get('attribution', message.spec.method) };
      const result = await computeAttributeBatch(model, x, y, message.data.ids, spec);
      return { id: message.id, ok: true, result };
    } finally {
      x.dispose();
      y?.dispose();
    }
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
