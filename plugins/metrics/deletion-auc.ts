import { defineMetric, type MetricPlugin } from '../../core/index.ts';
import { perturbationAuc, type PerturbationAucOptions, perturbationAucOptions } from './perturbation-auc.ts';

/**
 * Deletion (Petsiuk, Das & Saenko 2018): delete features most relevant first (replaced by zeros,
 * the paper's choice); the area under the target probability's curve. A faithful map makes the
 * score fall at once: lower is better.
 */
export const deletionAuc: MetricPlugin<PerturbationAucOptions> = defineMetric<PerturbationAucOptions>({
  name: 'deletion-auc',
  description: 'Area under the class probability as the most relevant features are deleted first (lower is better).',
  reference: 'Petsiuk, Das & Saenko 2018, RISE: Randomized Input Sampling for Explanation of Black-box Models',
  category: 'faithfulness',
  options: perturbationAucOptions('zeros'),
  needs: ['model'],
  higherIsBetter: false,
  seeded: (o) => o.baseline === 'uniform',
  evaluate: (input, o) => perturbationAuc(input, o, false),
});
