import { measure, type MeasureResult } from '../pipeline/measure.ts';
import type { Batch, MetricPlugin } from '../plugins/types.ts';
import { tf } from '../tensor/tf.ts';
import { BoundAssertion } from './bounds.ts';
import type { AssertionReport, AttributionExpectation, ExpectAttributionOptions } from './expect.ts';

/**
 * Bounds on a metric of the maps (docs/metrics.md), per sample or on the batch mean:
 * `expectAttribution(model, batch, opts).metric('deletion-auc').atMost(0.2)`. The metric runs
 * through the run's batch computation, so values equal those `gradlens evaluate` stores.
 */
export class MetricAssertion extends BoundAssertion {
  #measured?: Promise<MeasureResult>;

  constructor(
    private readonly expectation: AttributionExpectation,
    private readonly compute: () => Promise<MeasureResult>,
    private readonly name: string,
    private readonly mean = false,
  ) {
    super();
  }

  /** Checks the batch mean instead of every sample. */
  onAverage(): MetricAssertion {
    return new MetricAssertion(this.expectation, () => this.#result(), this.name, true);
  }

  /** The metric's values and curves, without asserting anything. */
  values(): Promise<MeasureResult> {
    return this.#result();
  }

  protected override async checkBound(
    pass: (v: number) => boolean,
    expected: string,
    operator: string,
  ): Promise<AssertionReport> {
    const result = await this.#result();
    const direction = result.metric.higherIsBetter ? 'higher is better' : 'lower is better';
    return this.expectation.check(Array.from(result.values), (v) => !Number.isNaN(v) && pass(v), {
      what: `metric '${this.name}' (${direction})`,
      expected,
      operator,
      label: this.name,
      mean: this.mean,
    });
  }

  #result(): Promise<MeasureResult> {
    this.#measured ??= this.compute();
    return this.#measured;
  }
}

/** Computes a metric for an expectation's model, batch and method. */
export function measureFor(
  model: unknown,
  batch: Batch | tf.Tensor,
  options: ExpectAttributionOptions,
  metric: MetricPlugin | string,
  metricOptions?: Record<string, unknown>,
): Promise<MeasureResult> {
  const x = batch instanceof tf.Tensor ? batch : batch.x;
  const labels = batch instanceof tf.Tensor ? options.labels : batch.y ?? options.labels;
  const extra = batch instanceof tf.Tensor ? undefined : batch.extra;
  return measure(model, x, { ...options, labels, extra: options.extra ?? extra, metric, metricOptions });
}
