/**
 * Max- and avg-sensitivity (Yeh et al. 2019): how much a map changes when the input moves a
 * little. `samples` inputs x + delta, delta uniform in [-radius, radius] per input value (the L-inf
 * ball of the paper, drawn from `mixSeed(seed, sample, k)`), each explained by the method with
 * the same target through the run's batch computation (`maxBatch` inputs at a time); the change
 * is ||phi(x + delta) - phi(x)|| (L2 over the map), divided by ||phi(x)|| when `normalise` (and
 * phi(x) is not zero). The maximum, or the mean, over the samples. Lower is better.
 */
import { z } from 'zod';
import {
  defineMetric,
  maxBatchOption,
  type MetricInput,
  type MetricOutput,
  type MetricPlugin,
  mixSeed,
  resolveMaxBatch,
  tf,
  uniformSource,
} from '../../core/index.ts';

/** Options of `max-sensitivity` and `avg-sensitivity`. */
export interface SensitivityOptions {
  samples: number;
  radius: number;
  normalise: boolean;
  seed?: number;
  maxBatch?: number;
}

const Options: z.ZodType<SensitivityOptions> = z.object({
  samples: z.number().int().positive().default(10).describe('perturbed inputs per sample'),
  radius: z.number().positive().default(0.2).describe('half-width of the uniform noise added to each input value'),
  normalise: z.boolean().default(true).describe("divide the change by the original map's norm"),
  seed: z.number().int().optional().describe('seed of the perturbations (drawn once and recorded)'),
  maxBatch: maxBatchOption,
}).strict();

async function sensitivity(input: MetricInput, o: SensitivityOptions, max: boolean): Promise<MetricOutput> {
  const n = input.x.shape[0];
  const size = input.x.size / n;
  const d = input.maps.size / n;
  const xs = (await input.x.data()) as Float32Array;
  const targets = Int32Array.from(await input.targets.data());
  const before = (await input.maps.data()) as Float32Array;
  const norms = Array.from({ length: n }, (_, i) => {
    let sum = 0;
    for (let j = 0; j < d; j++) sum += before[i * d + j] ** 2;
    return o.normalise && sum > 0 ? Math.sqrt(sum) : 1;
  });
  const values = new Float32Array(n);
  // Rows r = k * n + i (perturbation k of sample i), `maxBatch` at a time: memory stays bounded.
  const rows = o.samples * n;
  const chunk = resolveMaxBatch(input.x, o.maxBatch);
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const count = Math.min(chunk, rows - r0);
    const perturbed = new Float32Array(count * size);
    const chunkTargets = new Int32Array(count);
    for (let r = 0; r < count; r++) {
      const [k, i] = [Math.floor((r0 + r) / n), (r0 + r) % n];
      const next = uniformSource(mixSeed(o.seed ?? 0, input.offset + i, k));
      for (let j = 0; j < size; j++) perturbed[r * size + j] = xs[i * size + j] + o.radius * (2 * next() - 1);
      chunkTargets[r] = targets[i];
    }
    const x = tf.tensor(perturbed, [count, ...input.x.shape.slice(1)]);
    const t = tf.tensor1d(chunkTargets, 'int32');
    let after: Float32Array;
    try {
      const maps = await input.explain(x, t);
      after = (await maps.data()) as Float32Array;
      maps.dispose();
    } finally {
      tf.dispose([x, t]);
    }
    for (let r = 0; r < count; r++) {
      const i = (r0 + r) % n;
      let change = 0;
      for (let j = 0; j < d; j++) change += (after[r * d + j] - before[i * d + j]) ** 2;
      const s = Math.sqrt(change) / norms[i];
      values[i] = max ? Math.max(values[i], s) : values[i] + s / o.samples;
    }
  }
  return { values };
}

/** Max-sensitivity: the largest change of the map over the perturbed inputs. */
export const maxSensitivity: MetricPlugin<SensitivityOptions> = defineMetric<SensitivityOptions>({
  name: 'max-sensitivity',
  description: 'Largest relative change of the map when the input is perturbed slightly (lower is better).',
  reference: 'Yeh, Hsieh, Suggala, Inouye & Ravikumar 2019, On the (In)fidelity and Sensitivity of Explanations',
  category: 'robustness',
  options: Options,
  needs: ['recompute'],
  higherIsBetter: false,
  seeded: () => true,
  evaluate: (input, o) => sensitivity(input, o, true),
});

/** Avg-sensitivity: the mean change of the map over the perturbed inputs. */
export const avgSensitivity: MetricPlugin<SensitivityOptions> = defineMetric<SensitivityOptions>({
  name: 'avg-sensitivity',
  description: 'Mean relative change of the map when the input is perturbed slightly (lower is better).',
  reference: 'Yeh, Hsieh, Suggala, Inouye & Ravikumar 2019, On the (In)fidelity and Sensitivity of Explanations',
  category: 'robustness',
  options: Options,
  needs: ['recompute'],
  higherIsBetter: false,
  seeded: () => true,
  evaluate: (input, o) => sensitivity(input, o, false),
});
