import { z } from 'zod';
import {
  type DatasetPlugin,
  GradlensError,
  openNpy,
  pathOption,
  resolvePath,
  rowBatches,
  toLabels,
} from '../../core/index.ts';

/** The npy dataset's options. */
export interface NpyOptions {
  x: string;
  y?: string;
  extra?: Record<string, string>;
  classNames?: string[];
}

const Options: z.ZodType<NpyOptions> = z.object({
  /** Inputs, `[N, H, W, C]` or `[N, T, F]`, any numeric dtype (converted to float32). */
  x: pathOption('file', '.npy'),
  /** Integer labels `[N]` (int32, int64, uint8, or integral floats). */
  y: pathOption('file', '.npy').optional(),
  /** Further per-sample arrays by name, first dimension N. */
  extra: z.record(z.string(), pathOption('file', '.npy')).optional(),
  classNames: z.array(z.string()).optional(),
}).strict();

/** Arrays in `.npy` files, read a batch at a time. */
export const npyDataset: DatasetPlugin<NpyOptions> = {
  kind: 'dataset',
  name: 'npy',
  description: 'Inputs, labels and extra arrays from .npy files (NHWC or [N, T, F]).',
  options: Options,
  open(options, context) {
    const x = openNpy(resolvePath(options.x, context.baseDir));
    if (x.shape.length < 2) {
      x.close();
      throw new GradlensError(`inputs must be [N, H, W, C] or [N, T, F]; got shape [${x.shape.join(', ')}]`, {
        where: x.path,
      });
    }
    const n = x.shape[0];
    let labels: Int32Array | undefined;
    if (options.y) {
      const y = openNpy(resolvePath(options.y, context.baseDir));
      try {
        labels = toLabels(y.readAll(), y.path, n);
      } finally {
        y.close();
      }
    }
    const extras = Object.entries(options.extra ?? {}).map(([name, path]) => {
      const file = openNpy(resolvePath(path, context.baseDir));
      if (file.shape[0] !== n) {
        throw new GradlensError(`extra array '${name}' has ${file.shape[0]} rows, the inputs have ${n}`, {
          where: file.path,
        });
      }
      return [name, file] as const;
    });
    return Promise.resolve({
      size: n,
      sampleShape: x.shape.slice(1),
      classNames: options.classNames,
      batches: (request) =>
        rowBatches({
          size: n,
          sampleShape: x.shape.slice(1),
          readX: x.readRows,
          labels,
          extra: Object.fromEntries(
            extras.map(([name, file]) => [name, { sampleShape: file.shape.slice(1), read: file.readRows }]),
          ),
        }, request),
      describe: () => ({ x: x.path, shape: x.shape, dtype: x.dtype, y: options.y ?? null }),
      close() {
        x.close();
        for (const [, file] of extras) file.close();
      },
    });
  },
};

export default npyDataset;
