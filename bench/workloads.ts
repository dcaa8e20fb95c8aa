/**
 * The benchmark's models: the real trained ones where they are installed (the Fashion-MNIST
 * example, nsfwjs's MobileNetV2), else the same architectures with random (seeded) weights.
 * bench/torch_reference.py builds the same architectures under the same names; keep them in step.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../core/tensor/tf.ts';
import { memoryHandler, readModelFiles } from '../core/io/model-files.ts';
import { buildCnn } from '../examples/fashion-mnist/model.ts';
import { readNsfwArtifacts } from '../plugins/models/nsfwjs.ts';

export interface Workload {
  /** Name shared with torch_reference.py. */
  name: string;
  description: string;
  /** Input shape without the batch dimension, NHWC. */
  inputShape: [number, number, number];
  batch: number;
  classes: number;
  build(): Promise<tf.LayersModel>;
}

/** (a) conv 3x3x32 → pool → conv 3x3x64 → pool → conv 3x3x64 → dense 10; ReLU, same padding. */
function cnn3(): tf.LayersModel {
  const conv = (filters: number, extra: object = {}) =>
    tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', ...extra });
  return tf.sequential({
    layers: [
      conv(32, { inputShape: [32, 32, 3] }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(64),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(64),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10 }),
    ],
  });
}

/** (c) MobileNetV2 (alpha 1, 224x224), the layout of Keras' and torchvision's; the fallback without nsfwjs. */
function mobileNetV2(classes: number): tf.LayersModel {
  const input = tf.input({ shape: [224, 224, 3] });
  const bnRelu6 = (x: tf.SymbolicTensor, relu = true) => {
    const y = tf.layers.batchNormalization({ epsilon: 1e-3 }).apply(x) as tf.SymbolicTensor;
    return relu ? tf.layers.reLU({ maxValue: 6 }).apply(y) as tf.SymbolicTensor : y;
  };
  const conv = (x: tf.SymbolicTensor, filters: number, kernelSize: number, strides = 1) =>
    tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false }).apply(x) as tf.SymbolicTensor;
  let x = bnRelu6(conv(input, 32, 3, 2));
  let channels = 32;
  // [expansion t, output channels c, repeats n, first stride s], as in Sandler et al. 2018, Table 2.
  const blocks = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [
    6,
    320,
    1,
    1,
  ]];
  for (const [t, c, n, s] of blocks) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      let y = t === 1 ? x : bnRelu6(conv(x, channels * t, 1));
      y = bnRelu6(
        tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: 'same', useBias: false }).apply(
          y,
        ) as tf.SymbolicTensor,
      );
      y = bnRelu6(conv(y, c, 1), false);
      x = stride === 1 && channels === c ? tf.layers.add().apply([x, y]) as tf.SymbolicTensor : y;
      channels = c;
    }
  }
  x = bnRelu6(conv(x, 1280, 1));
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: classes }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

/** A `model.json` the Fashion-MNIST example wrote (one folder deep), if any. */
function fashionModel(): string | undefined {
  const dir = new URL('../examples/fashion-mnist/', import.meta.url).pathname;
  const candidates = [
    dir,
    ...readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(dir, d.name)),
  ];
  return candidates.map((d) => join(d, 'model.json')).find((f) => existsSync(f));
}

export const WORKLOADS: Workload[] = [
  {
    name: 'cnn3',
    description: '3-layer CNN, 32x32x3',
    inputShape: [32, 32, 3],
    batch: 64,
    classes: 10,
    build: () => Promise.resolve(cnn3()),
  },
  {
    name: 'fashion',
    description: 'Fashion-MNIST CNN (examples/fashion-mnist), 28x28x1',
    inputShape: [28, 28, 1],
    batch: 256,
    classes: 10,
    // The trained model when the example has produced one; the same architecture otherwise.
    build: async () => {
      const path = fashionModel();
      return path ? await tf.loadLayersModel(memoryHandler(readModelFiles(path).artifacts)) : buildCnn();
    },
  },
  {
    name: 'mobilenetv2',
    description: 'MobileNetV2 224x224x3, nsfwjs weights (ImageNet backbone, 5 classes)',
    inputShape: [224, 224, 3],
    batch: 8,
    classes: 5,
    // The real pretrained network from the npm package nsfwjs; the same backbone with random
    // weights when the package is not installed.
    build: async () => {
      try {
        return await tf.loadLayersModel(memoryHandler(readNsfwArtifacts('layers').artifacts));
      } catch {
        return mobileNetV2(5);
      }
    },
  },
];
