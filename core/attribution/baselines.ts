import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { tf } from '../tensor/tf.ts';
import { GradlensError } from '../errors/errors.ts';
import { parseNpy, toFloat32 } from '../io/npy.ts';
import { PATH_ENDING_MARK, PATH_MARK } from '../plugins/option-marks.ts';

/**
 * A reference input ("absence of signal") for path methods: `zeros`; a constant number; `blur`,
 * a Gaussian blur of the input; `uniform`, noise uniform in each input's [min, max]; or a path to
 * a `.npy` file of one sample's shape (relative paths resolve against the run config's folder, else the working directory).
 */
export type BaselineOption = 'zeros' | 'blur' | 'uniform' | number | string;
export const BaselineOption: z.ZodType<BaselineOption, BaselineOption> = z.union([
  z.enum(['zeros', 'blur', 'uniform']),
  z.number(),
  z.string().regex(/\.npy$/i, "expected 'zeros', 'blur', 'uniform', a number or a path ending in .npy")
    .meta({ [PATH_MARK]: 'file', [PATH_ENDING_MARK]: '.npy' }),
]);

export interface BaselineSettings {
  /** Standard deviation of the `blur` baseline's Gaussian, in pixels. */
  blurSigma: number;
  /** Seed of the `uniform` baseline. */
  seed: number;
  /** Directory a relative `.npy` path resolves against (default: the working directory). */
  baseDir?: string;
}

/** The baseline for a batch `x` `[N, ...]`, of `x`'s shape. */
export function makeBaseline(x: tf.Tensor, option: BaselineOption, settings: BaselineSettings): tf.Tensor {
  if (option === 'zeros') return tf.zerosLike(x);
  if (typeof option === 'number') return tf.fill(x.shape, option);
  if (option === 'blur') return gaussianBlur(x, settings.blurSigma);
  if (option === 'uniform') return uniformInRange(x, settings.seed);
  return fromNpy(x, resolve(settings.baseDir ?? '.', option));
}

/**
 * Gaussian blur of images `[N, H, W, C]` per channel, normalised by the blurred ones-image so
 * borders keep their brightness (no darkening from zero padding).
 */
export function gaussianBlur(x: tf.Tensor, sigma: number): tf.Tensor {
  if (x.rank !== 4) {
    throw new GradlensError(`the 'blur' baseline needs images [N, H, W, C]; got shape [${x.shape.join(', ')}]`, {
      where: 'baseline',
    });
  }
  const [, h, w, c] = x.shape;
  const radius = Math.min(Math.ceil(3 * sigma), Math.max(h, w));
  const taps = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = taps.reduce((a, b) => a + b, 0);
  return tf.tidy(() => {
    const k = tf.tensor1d(taps.map((t) => t / total));
    const vertical = tf.tile(tf.reshape(k, [2 * radius + 1, 1, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
    const horizontal = tf.tile(tf.reshape(k, [1, 2 * radius + 1, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
    const blur = (t: tf.Tensor4D) =>
      tf.depthwiseConv2d(tf.depthwiseConv2d(t, vertical, 1, 'same'), horizontal, 1, 'same');
    return tf.div(blur(x as tf.Tensor4D), blur(tf.onesLike(x) as tf.Tensor4D));
  });
}

/** Noise uniform in each sample's [min, max], seeded. */
function uniformInRange(x: tf.Tensor, seed: number): tf.Tensor {
  return tf.tidy(() => {
    const n = x.shape[0];
    const flat = tf.reshape(x, [n, -1]);
    const ones = x.shape.slice(1).map(() => 1);
    const lo = tf.reshape(tf.min(flat, 1), [n, ...ones]);
    const hi = tf.reshape(tf.max(flat, 1), [n, ...ones]);
    return tf.add(lo, tf.mul(tf.sub(hi, lo), tf.randomUniform(x.shape, 0, 1, 'float32', seed)));
  });
}

/** A `.npy` baseline of one sample's shape (or `[1, ...]`), repeated over the batch. */
function fromNpy(x: tf.Tensor, path: string): tf.Tensor {
  const full = resolve(path);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(full);
  } catch (error) {
    throw new GradlensError(`cannot read the baseline file (${(error as Error).message})`, { where: full });
  }
  const array = parseNpy(bytes, full);
  const sample = x.shape.slice(1);
  const shape = array.shape[0] === 1 && array.shape.length === sample.length + 1 ? array.shape.slice(1) : array.shape;
  if (shape.join() !== sample.join()) {
    throw new GradlensError(
      `baseline has shape (${array.shape.join(', ')}); expected one sample's shape (${sample.join(', ')})`,
      { where: full },
    );
  }
  return tf.tidy(() => tf.tile(tf.tensor(toFloat32(array.data), [1, ...sample]), [x.shape[0], ...sample.map(() => 1)]));
}
