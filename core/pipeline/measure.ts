/**
 * `measure`: one metric of one method's maps on a batch, from code (the testing assertions use
 * it). The method is prepared and checked as `attribute` does, the metric as a run plans it, and
 * the batch goes through the run's batch computation, maps and metric together.
 */
import { countClasses } from '../attribution/scores.ts';
import { defaultTargetRule } from '../attribution/targets.ts';
import { GradlensError } from '../errors/errors.ts';
import { checkMetricFits, prepareMetricOptions } from './metric-plan.ts';
import { toLoadedModel } from '../models/define.ts';
import type { MetricCurve, MetricPlugin } from '../plugins/types.ts';
import type { tf } from '../tensor/tf.ts';
import { type AttributeOptions, methodForModel } from './attribute.ts';
import { type ArrayData, computeBatch } from './batch.ts';

export interface MeasureOptions extends AttributeOptions {
  /** The metric: a plugin, or a name looked up in `registry`. */
  metric: MetricPlugin | string;
  /** The metric's options, validated by its schema (a seeded metric without a seed gets 0). */
  metricOptions?: Record<string, unknown>;
}

export interface MeasureResult {
  /** The metric per sample, `[N]`. */
  values: Float32Array;
  curves: MetricCurve[];
  /** The maps judged, reduced as a run stores them. */
  maps: ArrayData;
  /** Target class per sample. */
  targets: Int32Array;
  /** The metric's options as used. */
  options: Record<string, unknown>;
  metric: MetricPlugin;
}

/** See the module comment. Leaves no tensor allocated; the caller keeps `model` and `x`. */
export async function measure(model: unknown, x: tf.Tensor, options: MeasureOptions): Promise<MeasureResult> {
  const loaded = toLoadedModel(model);
  const registry = options.registry;
  const lookup = <K extends 'attribution' | 'metric'>(kind: K, name: string) => {
    if (!registry) {
      throw new GradlensError(`${kind} '${name}' given by name, but no registry was passed; pass { registry }`);
    }
    return registry.get(kind, name);
  };
  const plugin = typeof options.method === 'string' ? lookup('attribution', options.method) : options.method;
  const metric = typeof options.metric === 'string' ? lookup('metric', options.metric) : options.metric;
  const { prepared, output, sampleShape, conventions, info } = methodForModel(model, loaded, plugin, x, options);
  const metricOptions = prepareMetricOptions(metric, options.metricOptions, `metric '${metric.name}'`, () => 0);
  const extraShapes = Object.fromEntries(Object.entries(options.extra ?? {}).map(([k, t]) => [k, t.shape.slice(1)]));
  checkMetricFits(metric, metricOptions, {
    model: loaded,
    sampleShape,
    mapShape: conventions.reduce === 'none' ? sampleShape : sampleShape.slice(0, -1),
    extra: extraShapes,
    method: plugin.name,
  }, `metric '${metric.name}'`);
  const extra: Record<string, ArrayData> = {};
  for (const [name, t] of Object.entries(options.extra ?? {})) {
    extra[name] = { values: Float32Array.from(await t.data()), shape: t.shape };
  }
  const result = await computeBatch({
    model: loaded,
    output,
    outputScores: info.scores,
    numClasses: countClasses(loaded, sampleShape, output),
    target: options.target ?? defaultTargetRule(options.labels !== undefined),
    baseDir: options.baseDir,
    methods: [{ id: plugin.name, prepared, conventions }],
    metrics: [{ id: metric.name, plugin: metric, options: metricOptions, methods: [0] }],
  }, {
    ids: Array.from({ length: x.shape[0] }, (_, i) => String(i)),
    x: Float32Array.from(await x.data()),
    shape: x.shape,
    y: options.labels ? Int32Array.from(await options.labels.data()) : undefined,
    extra,
    offset: 0,
  });
  const { values, curves } = result.metrics[0];
  return { values, curves, maps: result.methods[0].map, targets: result.targets, options: metricOptions, metric };
}
