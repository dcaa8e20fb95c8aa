/**
 * The metrics of a batch: every planned metric on every method it judges, after the maps are
 * computed (or read back from a finished run). Called by the batch computation only; a metric
 * that needs maps for other inputs, targets or weights gets them from that same computation
 * through `explain`.
 */
import type { MetricCurve, MetricInput, MetricOutput, MetricPlugin, ScoreKind } from '../plugins/types.ts';
import { GradlensError } from '../errors/errors.ts';
import { tf } from '../tensor/tf.ts';

/** A metric of a run, ready to evaluate. */
export interface BoundMetric {
  id: string;
  plugin: MetricPlugin;
  options: Record<string, unknown>;
  /** Positions (in the run's methods) of the methods it judges. */
  methods: number[];
}

/** One metric's result for one method on a batch. */
export interface MetricResult {
  metric: string;
  method: string;
  /** `[N]`. */
  values: Float32Array;
  curves: MetricCurve[];
  /** Further per-sample arrays (see {@link MetricOutput.arrays}). */
  arrays: { name: string; shape: number[]; values: Float32Array }[];
  ms: number;
}

export interface MetricBatch {
  model: MetricInput['model'];
  output: string;
  outputScores: ScoreKind;
  numClasses: number;
  x: tf.Tensor;
  targets: tf.Tensor;
  extra: Record<string, tf.Tensor>;
  offset: number;
  /** Each method's maps for this batch (by position in the run). */
  maps: { id: string; map: tf.Tensor }[];
  /** Maps of method `index` for other inputs and targets, by the batch computation. */
  explain(index: number, x: tf.Tensor, targets: tf.Tensor): Promise<tf.Tensor>;
}

/** Evaluates `metrics` on a batch; leaves no tensor behind. */
export async function evaluateMetrics(metrics: BoundMetric[], batch: MetricBatch): Promise<MetricResult[]> {
  const results: MetricResult[] = [];
  const n = batch.x.shape[0];
  for (const metric of metrics) {
    for (const index of metric.methods) {
      const { id, map } = batch.maps[index];
      const t0 = performance.now();
      const before = tf.memory().numTensors;
      const out = await metric.plugin.evaluate({
        model: batch.model,
        output: batch.output,
        outputScores: batch.outputScores,
        numClasses: batch.numClasses,
        x: batch.x,
        targets: batch.targets,
        maps: map,
        method: id,
        extra: batch.extra,
        offset: batch.offset,
        explain: (x, targets) => batch.explain(index, x, targets),
      }, metric.options as never);
      const left = tf.memory().numTensors - before;
      if (left > 0) {
        throw new GradlensError(`internal: metric '${metric.plugin.name}' left ${left} tensors allocated`);
      }
      if (out.values.length !== n) {
        throw new GradlensError(
          `metric '${metric.plugin.name}' returned ${out.values.length} values for ${n} samples`,
          { where: `metric '${metric.id}' on '${id}'` },
        );
      }
      checkArrays(metric.plugin.name, out, n);
      for (const c of out.curves ?? []) {
        if (c.y.length !== n * c.x.length) {
          throw new GradlensError(
            `metric '${metric.plugin.name}' curve '${c.name}' has ${c.y.length} values; expected ${n} x ${c.x.length}`,
          );
        }
      }
      results.push({
        metric: metric.id,
        method: id,
        values: out.values,
        curves: out.curves ?? [],
        arrays: out.arrays ?? [],
        ms: performance.now() - t0,
      });
    }
  }
  return results;
}

function checkArrays(name: string, out: MetricOutput, n: number): void {
  for (const a of out.arrays ?? []) {
    const size = a.shape.reduce((x, y) => x * y, 1);
    if (!/^[a-z0-9][a-z0-9_-]*$/i.test(a.name) || a.values.length !== n * size) {
      throw new GradlensError(
        `metric '${name}' returned array '${a.name}' of ${a.values.length} values; expected a plain name and ${n} x ${size}`,
      );
    }
  }
}
