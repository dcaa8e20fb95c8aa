import { tf } from '../tensor/tf.ts';
import { GradlensError } from '../errors/errors.ts';
import type { ForwardOptions, LoadedModel } from '../plugins/types.ts';

/**
 * Resolves the user's choice of output head (a name or an index; default the first) to the
 * output's name. Errors list the model's outputs.
 */
export function resolveOutput(model: LoadedModel, choice?: string | number): string {
  const names = model.outputs.map((o) => o.name);
  const list = names.map((n, i) => `${i}:${n}`).join(', ');
  if (choice === undefined || choice === '') return names[0];
  const asIndex = typeof choice === 'number' ? choice : /^\d+$/.test(choice) ? Number(choice) : undefined;
  if (asIndex !== undefined) {
    if (asIndex < names.length) return names[asIndex];
    throw new GradlensError(`output index ${asIndex} is out of range; the model's outputs are ${list}`, {
      where: '--output',
    });
  }
  if (names.includes(String(choice))) return String(choice);
  throw new GradlensError(`no output named '${choice}'; the model's outputs are ${list}`, { where: '--output' });
}

/** The class-score tensor `[N, K]` of one head. */
export function classScores(
  model: LoadedModel,
  x: tf.Tensor,
  output: string,
  options?: ForwardOptions,
): tf.Tensor2D {
  const outputs = model.forward(x, options);
  const scores = outputs[output];
  if (!scores) throw new GradlensError(`the model returned no output '${output}'`);
  for (const [name, t] of Object.entries(outputs)) if (name !== output) t.dispose();
  if (scores.rank !== 2) {
    throw new GradlensError(
      `output '${output}' has shape [${
        scores.shape.join(', ')
      }]; class scores must be [N, classes]. Choose another head with --output`,
    );
  }
  return scores as tf.Tensor2D;
}

/** Picks `scores[i, targets[i]]` for each sample: `[N]`. */
export function selectTargetScores(scores: tf.Tensor2D, targets: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const k = scores.shape[1];
    return tf.sum(tf.mul(scores, tf.oneHot(targets.toInt(), k)), 1) as tf.Tensor1D;
  });
}

/**
 * The gradient of each sample's target class score S_c with respect to its input, for the whole
 * batch in one backward pass: samples are independent at inference, so d(sum_i S_ci)/dx_i =
 * dS_ci/dx_i. Returns a tensor of `x`'s shape.
 */
export function inputGradient(
  model: LoadedModel,
  x: tf.Tensor,
  targets: tf.Tensor,
  output: string,
  options?: ForwardOptions,
): tf.Tensor {
  return tf.tidy(() => {
    const f = (input: tf.Tensor) => tf.sum(selectTargetScores(classScores(model, input, output, options), targets));
    return tf.grad(f)(x);
  });
}

/** Number of classes of a head, from one forward pass on a zero sample of `sampleShape`. */
export function countClasses(model: LoadedModel, sampleShape: number[], output: string): number {
  return tf.tidy(() => classScores(model, tf.zeros([1, ...sampleShape]), output).shape[1]);
}

/** Target scores `[N]` of a forward pass, without gradients. */
export function targetScores(model: LoadedModel, x: tf.Tensor, targets: tf.Tensor, output: string): tf.Tensor1D {
  return tf.tidy(() => selectTargetScores(classScores(model, x, output), targets));
}
