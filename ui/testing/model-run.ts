/**
 * Builds a real run for tests and demos: a tiny conv model saved as model.json + weights.bin,
 * random 8x8x1 inputs as x.npy/y.npy, and `runAttributions` with the built-in plugins.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNpy, Registry, runAttributions, type RunConfigInput, type RunResult, tf } from '../../core/index.ts';
import plugins from '../../plugins/index.ts';

/** Writes `model.json`, `weights.bin`, `x.npy` `[n, size, size, 1]` and `y.npy` `[n]` into `dir`. */
export async function writeTinyProject(dir: string, n = 12, size = 8, classes = 3): Promise<void> {
  mkdirSync(dir, { recursive: true });
  tf.setBackend('cpu');
  const model = tf.sequential({
    layers: [
      // Seeded initialisers: the same weights, so the same maps, in every test run.
      tf.layers.conv2d({
        inputShape: [size, size, 1],
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.flatten(),
      tf.layers.dense({
        units: classes,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  });
  await model.save(tf.io.withSaveHandler((artifacts) => {
    const { weightData, ...rest } = artifacts;
    const bytes = new Uint8Array(weightData as ArrayBuffer);
    writeFileSync(join(dir, 'weights.bin'), bytes);
    const json = {
      ...rest,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
    };
    delete (json as Record<string, unknown>).weightSpecs;
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
  }));
  model.dispose();
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const x = new Float32Array(n * size * size);
  for (let i = 0; i < x.length; i++) x[i] = rand();
  const y = new Int32Array(n).map((_, i) => i % classes);
  writeFileSync(join(dir, 'x.npy'), encodeNpy(x, [n, size, size, 1]));
  writeFileSync(join(dir, 'y.npy'), encodeNpy(y, [n]));
}

/** A run config over the files of {@link writeTinyProject}, relative to that directory. */
export function tinyConfig(id: string, runsDir: string, batchSize = 4): RunConfigInput {
  return {
    id,
    runsDir,
    model: { plugin: 'layers-model', options: { path: 'model.json', classNames: ['cat', 'dog', 'fox'] } },
    dataset: { plugin: 'npy', options: { x: 'x.npy', y: 'y.npy' }, batchSize },
    methods: [{ plugin: 'vanilla-gradient' }, { plugin: 'vanilla-gradient', id: 'signed-grad', abs: false }],
    backend: 'cpu',
  };
}

/** A registry with the built-in plugins. */
export function builtinRegistry(): Registry {
  const registry = new Registry();
  for (const p of plugins) registry.register(p, 'plugins/index.ts');
  return registry;
}

/** Writes the tiny project into `dir` and runs it into `dir/runs/<id>`. */
export async function makeModelRun(dir: string, id = 'tiny'): Promise<RunResult> {
  await writeTinyProject(dir);
  return await runAttributions(tinyConfig(id, 'runs'), { registry: builtinRegistry(), baseDir: dir });
}
