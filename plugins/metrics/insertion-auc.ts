import { defineMetric, type MetricPlugin } from '../../core/index.ts';
import { perturbationAuc, type PerturbationAucOptions, perturbationAucOptions } from './perturbation-auc.ts';

/**
 * Insertion (Petsiuk, Das & Saenko 2018): insert features most relevant first into a blurred
 * copy of the input (the paper's canvas); the area under the target probability's curve. A
 * faithful map brings the score back at once: higher is better.
 */
export const insertionAuc: MetricPlugin<PerturbationAucOptions> = defineMetric<PerturbationAucOptions>({
  name: 'insertion-auc',
  description: 'Area under the class probability as the most relevant features are inserted first (higher is better).',
  reference: 'Petsiuk, Das & Saenko 2018, RISE: Randomized Input Sampling for Explanation of Black-box Models',
  category: 'faithfulness',
  options: perturbationAucOptions('blur'),
  needs: ['model'],
  higherIsBetter: true,
  seeded: (o) => o.baseline === 'uniform',
  evaluate: (input, o) => perturbationAuc(input, o, true),
});
