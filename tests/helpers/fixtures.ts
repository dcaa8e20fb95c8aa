import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../core/tensor/tf.ts';
import { encodeNpy, type NpyData } from '../../core/io/npy.ts';

/** A fresh temporary directory. */
export function tempDir(prefix = 'gradlens-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export { builtinRegistry } from '../../plugins/index.ts';

/** Saves a LayersModel as `dir/model.json` + `dir/weights.bin` (what tfjs's file handler writes). */
export async function saveLayersModel(
  model: tf.LayersModel,
  dir: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler((artifacts) => {
    const json = {
      format: 'layers-model',
      generatedBy: 'gradlens tests',
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      ...extra,
    };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
    return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
  }));
  return join(dir, 'model.json');
}

export function writeNpy(path: string, data: NpyData, shape: number[]): string {
  writeFileSync(path, encodeNpy(data, shape));
  return path;
}

/** A deterministic generator of values in [0, 1) (mulberry32), so failures reproduce. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic pseudo-random values in [0, 1) (mulberry32). */
export function seeded(n: number, seed = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return out;
}

/** A small conv net (Conv2D, MaxPooling2D, Conv2D, Flatten, Dense) with fixed seeded weights. */
export function smallConvNet(
  options: {
    inputShape?: number[];
    classes?: number;
    activation?: string;
    softmax?: boolean;
    seed?: number;
    pooling?: 'max' | 'average';
  } = {},
): tf.Sequential {
  const inputShape = options.inputShape ?? [8, 8, 3];
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape,
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: (options.activation ?? 'tanh') as 'tanh',
      }),
      options.pooling === 'average'
        ? tf.layers.averagePooling2d({ poolSize: 2 })
        : tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 6, kernelSize: 3, activation: (options.activation ?? 'tanh') as 'tanh' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: options.classes ?? 5, activation: options.softmax ? 'softmax' : 'linear' }),
    ],
  });
  setSeededWeights(model, options.seed ?? 7);
  return model;
}

/** Replaces every weight with seeded values in [-0.5, 0.5), so tests are deterministic. */
export function setSeededWeights(model: tf.LayersModel, seed: number): void {
  const weights = model.getWeights().map((w, i) => {
    const values = seeded(w.size, seed + i).map((v) => v - 0.5);
    return tf.tensor(values, w.shape);
  });
  model.setWeights(weights);
  for (const w of weights) w.dispose();
}
