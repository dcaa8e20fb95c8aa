import { GradlensError } from '../errors/errors.ts';
import type { MethodCost } from '../plugins/types.ts';

/** Model evaluations (forward plus backward passes) one sample costs over all methods. */
export function evaluationsPerSample(costs: (MethodCost | undefined)[]): number {
  // A method that declares no cost is counted as one forward and one backward pass.
  return costs.reduce((n, c) => n + (c ? c.forward + c.backward : 2), 0);
}

/**
 * Refuses a run whose work exceeds `max` model evaluations, before anything is computed:
 * `perSample` evaluations times `samples` (left out: only one sample is known to be asked for).
 * The message gives the figures and what would bring them under the limit.
 */
export function checkBudget(perSample: number, samples: number | undefined, max: number, where: string): void {
  const total = perSample * (samples ?? 1);
  if (!(total > max)) return;
  const of = samples === undefined
    ? `${perSample.toLocaleString('en')} model evaluations per sample`
    : `${perSample.toLocaleString('en')} model evaluations per sample x ${samples.toLocaleString('en')} samples = ${
      total.toLocaleString('en')
    }`;
  throw new GradlensError(
    `too much work: ${of}, over the limit of ${max.toLocaleString('en')} (--max-evaluations); ` +
      "lower the methods' steps or samples, or the dataset limit",
    { where },
  );
}
