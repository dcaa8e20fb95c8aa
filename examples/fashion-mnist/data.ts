import { readIdx } from '../../core/io/idx.ts';
import { GradlensError } from '../../core/errors/errors.ts';
import { join } from 'node:path';

import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR } from '../../plugins/datasets/idx.ts';

/** Fashion-MNIST's label names, in label order, and where Debian installs the IDX files. */
export { FASHION_MNIST_CLASSES as CLASS_NAMES, FASHION_MNIST_DIR };

/** One split held in memory: images `[n, 28, 28, 1]` row-major in [0, 1], labels `[n]`. */
export interface Split {
  n: number;
  x: Float32Array;
  y: Int32Array;
}

export const SIDE = 28;
export const PIXELS = SIDE * SIDE;

/** Reads a whole split (`train`: 60,000 images, `t10k`: 10,000) from the IDX files. */
export function loadSplit(split: 'train' | 't10k', dir = FASHION_MNIST_DIR): Split {
  const images = readIdx(join(dir, `${split}-images-idx3-ubyte.gz`));
  const labels = readIdx(join(dir, `${split}-labels-idx1-ubyte.gz`));
  const n = images.shape[0];
  if (images.shape[1] !== SIDE || images.shape[2] !== SIDE || labels.shape[0] !== n) {
    throw new GradlensError(`expected ${n} images of 28x28 with as many labels`, { where: dir });
  }
  const x = new Float32Array(n * PIXELS);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  return { n, x, y: Int32Array.from(labels.data) };
}

/** Rows `[start, start + count)` of a split, copied. */
export function sliceSplit(split: Split, start: number, count: number): Split {
  return {
    n: count,
    x: split.x.slice(start * PIXELS, (start + count) * PIXELS),
    y: split.y.slice(start, start + count),
  };
}
