import { GradlensError } from '../errors/errors.ts';
import type { NpyArray } from '../io/npy.ts';

/**
 * Converts a label array to int32 `[N]`: int32, int64 and uint8 (any integer dtype) are taken
 * as they are; floats are accepted when every value is integral. Errors name the file and the
 * first offending value.
 */
export function toLabels(array: NpyArray, source: string, expectedLength?: number): Int32Array {
  const squeezed = array.shape.filter((d) => d !== 1);
  if (squeezed.length > 1) {
    throw new GradlensError(`labels must be a vector [N]; got shape [${array.shape.join(', ')}]`, { where: source });
  }
  const out = new Int32Array(array.data.length);
  for (let i = 0; i < out.length; i++) {
    const value = Number(array.data[i]);
    if (!Number.isInteger(value)) {
      throw new GradlensError(`label ${i} is ${value}, not an integer class index`, { where: source });
    }
    if (value < 0) throw new GradlensError(`label ${i} is ${value}; class indices start at 0`, { where: source });
    out[i] = value;
  }
  if (expectedLength !== undefined && out.length !== expectedLength) {
    throw new GradlensError(`has ${out.length} labels but the inputs have ${expectedLength} samples`, {
      where: source,
    });
  }
  return out;
}
