import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  type DatasetPlugin,
  GradlensError,
  pathOption,
  readIdx,
  resolvePath,
  rowBatches,
  toLabels,
} from '../../core/index.ts';

/** Where Debian's `dataset-fashion-mnist` package installs the data. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** The idx dataset's options. */
export interface IdxOptions {
  dir: string;
  split: 't10k' | 'train';
  images?: string;
  labels?: string;
  scale: number;
  classNames: string[];
}

const Options: z.ZodType<IdxOptions> = z.object({
  /** A directory holding `<split>-images-idx3-ubyte[.gz]` and `<split>-labels-idx1-ubyte[.gz]`. */
  dir: pathOption('dir').default(FASHION_MNIST_DIR),
  /** `t10k` (test, default) or `train`. */
  split: z.enum(['t10k', 'train']).default('t10k'),
  /** Explicit image and label files; override `dir` and `split`. */
  images: pathOption().optional(),
  labels: pathOption().optional(),
  /** Multiplies raw pixel values (default 1/255, giving [0, 1]). */
  scale: z.number().positive().default(1 / 255),
  /** Class names; default: Fashion-MNIST's. */
  classNames: z.array(z.string()).default(FASHION_MNIST_CLASSES),
}).strict();

/** IDX files (MNIST, Fashion-MNIST), gzipped or not; images become `[N, H, W, 1]`. */
export const idxDataset: DatasetPlugin<IdxOptions> = {
  kind: 'dataset',
  name: 'idx',
  description: "MNIST-format IDX files (gzipped or not); defaults to Debian's Fashion-MNIST test set.",
  options: Options,
  open(options, context) {
    const dir = resolvePath(options.dir, context.baseDir);
    const imagesPath = options.images
      ? resolvePath(options.images, context.baseDir)
      : findFile(dir, `${options.split}-images-idx3-ubyte`);
    const labelsPath = options.labels
      ? resolvePath(options.labels, context.baseDir)
      : options.images
      ? undefined
      : findFile(dir, `${options.split}-labels-idx1-ubyte`);
    const images = readIdx(imagesPath);
    if (images.shape.length < 2) {
      throw new GradlensError(`expected images [N, H, W]; got [${images.shape.join(', ')}]`, { where: imagesPath });
    }
    const n = images.shape[0];
    const sampleShape = images.shape.length === 3 ? [...images.shape.slice(1), 1] : images.shape.slice(1);
    const rowSize = sampleShape.reduce((a, b) => a * b, 1);
    const labels = labelsPath ? toLabels({ ...readIdx(labelsPath), dtype: 'idx' }, labelsPath, n) : undefined;
    return Promise.resolve({
      size: n,
      sampleShape,
      classNames: options.classNames,
      batches: (request) =>
        rowBatches({
          size: n,
          sampleShape,
          labels,
          readX(start, count) {
            const out = new Float32Array(count * rowSize);
            const raw = images.data.subarray(start * rowSize, (start + count) * rowSize);
            for (let i = 0; i < out.length; i++) out[i] = raw[i] * options.scale;
            return out;
          },
        }, request),
      describe: () => ({ images: imagesPath, labels: labelsPath ?? null, shape: [n, ...sampleShape] }),
    });
  },
};

function findFile(dir: string, stem: string): string {
  for (const candidate of [`${stem}.gz`, stem]) {
    const path = join(dir, candidate);
    if (existsSync(path)) return path;
  }
  throw new GradlensError(
    `no '${stem}' or '${stem}.gz' here; install Debian's dataset-fashion-mnist or give 'images'/'labels' paths`,
    { where: dir },
  );
}

export default idxDataset;
