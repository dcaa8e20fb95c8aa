import { z } from 'zod';
import { tf } from '../tensor/tf.ts';
import { GradlensError } from '../errors/errors.ts';

/**
 * Which class each sample's map explains: the true `label` (the default when labels exist),
 * the model's `predicted` class, or a fixed `class` index.
 */
export type TargetRule = 'label' | 'predicted' | { class: number };
export const TargetRule: z.ZodType<TargetRule, TargetRule> = z.union([
  z.literal('label'),
  z.literal('predicted'),
  z.object({ class: z.number().int().nonnegative() }),
]);

/** Parses the CLI form: `label`, `predicted` or an integer class index. */
export function parseTargetRule(text: string, where = '--target'): TargetRule {
  if (text === 'label' || text === 'predicted') return text;
  if (/^\d+$/.test(text)) return { class: Number(text) };
  throw new GradlensError(`expected 'label', 'predicted' or a class index, got '${text}'`, { where });
}

export function describeTargetRule(rule: TargetRule): string {
  return typeof rule === 'string' ? rule : `class ${rule.class}`;
}

/** The default rule: the label when the data has labels, else the prediction. */
export function defaultTargetRule(hasLabels: boolean): TargetRule {
  return hasLabels ? 'label' : 'predicted';
}

/**
 * Resolves a rule to one int32 class index per sample, `[N]`.
 * @param scores class scores `[N, K]`, needed for `predicted` and for range checks
 */
export function resolveTargets(
  rule: TargetRule,
  scores: tf.Tensor,
  labels: tf.Tensor | undefined,
): tf.Tensor1D {
  const [n, k] = scores.shape as [number, number];
  if (rule === 'predicted') return tf.tidy(() => tf.argMax(scores, 1).toInt()) as tf.Tensor1D;
  if (rule === 'label') {
    if (!labels) {
      throw new GradlensError("target 'label' needs labels, and this data has none; use --target predicted", {
        where: '--target',
      });
    }
    return tf.tidy(() => labels.toInt().reshape([n])) as tf.Tensor1D;
  }
  if (rule.class >= k) {
    throw new GradlensError(`class ${rule.class} is out of range: the model has ${k} classes (0..${k - 1})`, {
      where: '--target',
    });
  }
  return tf.fill([n], rule.class, 'int32') as tf.Tensor1D;
}
