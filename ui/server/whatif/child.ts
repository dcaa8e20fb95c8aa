/**
 * The what-if engine of one run: a long-lived process that loads the model the run's manifest
 * records (never one named by a request), binds the run's methods once, and then answers edited
 * inputs one at a time through the one batch computation (core/pipeline computeBatch).
 * Usage: `child.ts <setup.json>` with `{ runsDir, run, pluginModules }`. Prints `{"ready": ...}`
 * once loaded, then answers each JSON line on stdin (see {@link EngineRequest}) with one line.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import process from 'node:process';
import { z } from 'zod';
import {
  type BatchData,
  bindPlan,
  type BoundRun,
  computeBatch,
  initBackend,
  parsePluginOptions,
  planFromManifest,
  Registry,
  resolvePath,
  RunStore,
  SafeId,
  tf,
} from '../../../core/index.ts';
import { decodeF32, encodeF32, type EngineReply, EngineRequest } from './protocol.ts';
import { isFast } from './plan.ts';

const Setup = z.object({ runsDir: z.string(), run: SafeId, pluginModules: z.array(z.string()) });

const write = process.stdout.write.bind(process.stdout);
// Plugins may log; stdout carries only the protocol.
console.log = console.error;
console.info = console.error;

async function load(): Promise<{ bound: BoundRun; fast: Set<string>; sampleShape: number[] }> {
  const setup = Setup.parse(JSON.parse(readFileSync(process.argv[2], 'utf8')));
  const manifest = new RunStore(setup.runsDir).read(setup.run);
  const registry = new Registry();
  for (const module of setup.pluginModules) await registry.registerModule(module);
  for (const module of manifest.config.plugins) {
    await registry.registerModule(resolvePath(module, manifest.baseDir), manifest.baseDir);
  }
  await initBackend(manifest.config.backend);
  const plan = planFromManifest(manifest);
  const plugin = registry.get('model', plan.model.plugin);
  const options = parsePluginOptions(plugin.options, plan.model.options, `model.options (${plugin.name})`);
  const model = await plugin.load(options, { baseDir: plan.baseDir });
  return {
    bound: bindPlan(plan, registry, model),
    fast: new Set(manifest.methods.filter(isFast).map((m) => m.id)),
    sampleShape: manifest.dataset.sampleShape,
  };
}

async function answer(engine: Awaited<ReturnType<typeof load>>, line: string): Promise<EngineReply> {
  const r = EngineRequest.parse(JSON.parse(line));
  const t0 = performance.now();
  const methods = engine.bound.methods.filter((m) => r.all || engine.fast.has(m.id));
  const bound: BoundRun = {
    ...engine.bound,
    methods,
    target: r.target === null
      ? (engine.bound.target === 'label' && r.label === null ? 'predicted' : engine.bound.target)
      : { class: r.target },
  };
  const data: BatchData = {
    ids: [r.name],
    x: decodeF32(r.x),
    shape: [1, ...engine.sampleShape],
    y: r.label === null ? undefined : Int32Array.of(r.label),
    extra: Object.fromEntries(
      Object.entries(r.extra).map(([k, v]) => [k, { values: decodeF32(v.data), shape: v.shape }]),
    ),
  };
  const result = await computeBatch(bound, data);
  return {
    id: r.id,
    ok: true,
    ms: performance.now() - t0,
    probabilities: { data: encodeF32(result.probabilities.values), shape: result.probabilities.shape },
    predictions: Array.from(result.predictions),
    targets: Array.from(result.targets),
    methods: methods.map((m, i) => ({
      id: m.id,
      map: { data: encodeF32(result.methods[i].map.values), shape: result.methods[i].map.shape },
      perSample: result.methods[i].perSample.map((s) => ({ name: s.name, data: encodeF32(s.values) })),
      ms: result.methods[i].ms,
    })),
    skipped: engine.bound.methods.filter((m) => !methods.includes(m)).map((m) => m.id),
    tensors: tf.memory().numTensors,
  };
}

try {
  const engine = await load();
  write(JSON.stringify({ ready: true, fast: [...engine.fast] }) + '\n');
  // One edit at a time, in arrival order: the engine is queued behind nothing but other edits.
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    let reply: EngineReply;
    try {
      reply = await answer(engine, line);
    } catch (error) {
      const id = (() => {
        try {
          return Number(JSON.parse(line).id) || 0;
        } catch {
          return 0;
        }
      })();
      reply = { id, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    write(JSON.stringify(reply) + '\n');
  }
  process.exit(0);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
