import { tf } from '../tensor/tf.ts';
import { GradlensError } from '../errors/errors.ts';

/** Fails when the data's sample shape does not fit the model's input (null matches any size). */
export function checkInputShape(modelShape: (number | null)[], sampleShape: number[], source: string): void {
  const fits = modelShape.length === sampleShape.length &&
    modelShape.every((d, i) => d === null || d === -1 || d === sampleShape[i]);
  if (!fits) {
    throw new GradlensError(
      `input shape [N, ${sampleShape.join(', ')}] does not match the model's input [N, ${
        modelShape.map((d) => d ?? '?').join(', ')
      }]`,
      { where: source },
    );
  }
}

/**
 * Fails on NaN or infinite values, naming the first offending sample by `names[i]` (e.g.
 * `'cat-3.png' (row 17)`).
 */
export async function checkFinite(x: tf.Tensor, names: string[], what: string): Promise<void> {
  const perSample = tf.tidy(() => tf.logicalNot(tf.isFinite(x)).reshape([x.shape[0], -1]).any(1));
  const bad = await perSample.data();
  perSample.dispose();
  const i = bad.findIndex((b) => b !== 0);
  if (i >= 0) {
    throw new GradlensError(`${what} contain NaN or infinite values (first at sample ${names[i]})`);
  }
}

/** Fails on labels outside `[0, numClasses)`, naming the first offending sample as {@link checkFinite} does. */
export async function checkTargets(y: tf.Tensor, names: string[], numClasses: number, what: string): Promise<void> {
  const values = await y.data();
  const i = values.findIndex((v) => v < 0 || v >= numClasses || !Number.isInteger(v));
  if (i >= 0) {
    throw new GradlensError(
      `${what} out of range: sample ${names[i]} has label ${values[i]}, the model has ${numClasses} classes (0..${
        numClasses - 1
      })`,
    );
  }
}
