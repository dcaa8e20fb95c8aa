/**
 * A metric of a run with everything decided: options parsed (a seed drawn when the metric is
 * seeded and none was given), the methods it judges, and its needs checked against the model,
 * the maps and the dataset's extra arrays before any batch is evaluated.
 */
import { GradlensError } from '../errors/errors.ts';
import { parsePluginOptions } from './options.ts';
import type { LoadedModel, MetricPlugin } from '../plugins/types.ts';

/** A metric as planned: what the manifest records and a worker rebuilds. */
export interface PlannedMetric {
  /** Name of its files and column (default: the plugin name). */
  id: string;
  plugin: string;
  /** Parsed options, seed drawn. */
  options: Record<string, unknown>;
  /** Ids of the methods it judges. */
  methods: string[];
}

/** Parses a metric's options; draws its seed when it is seeded and has none. */
export function prepareMetricOptions(
  plugin: MetricPlugin,
  raw: unknown,
  where: string,
  drawSeed: () => number = () => Math.floor(Math.random() * 0x80000000),
): Record<string, unknown> {
  let options = parsePluginOptions(plugin.options, raw, where) as Record<string, unknown>;
  if (plugin.seeded?.(options as never) && options.seed === undefined) {
    options = parsePluginOptions(plugin.options, { ...options, seed: drawSeed() }, where) as Record<string, unknown>;
  }
  return options;
}

/** What the checks of a metric are told about a method's maps. */
export interface MetricFit {
  model: LoadedModel;
  sampleShape: number[];
  mapShape: number[];
  /** The dataset's extra arrays: name and sample shape. */
  extra: Record<string, number[]>;
  method: string;
}

/** Refuses a metric that cannot judge these maps, saying why. */
export function checkMetricFits(plugin: MetricPlugin, options: Record<string, unknown>, fit: MetricFit, where: string) {
  const fail = (why: string): never => {
    throw new GradlensError(`metric '${plugin.name}' cannot judge '${fit.method}': ${why}`, { where });
  };
  if (plugin.needs.includes('weights') && !(fit.model.weightedLayers?.().length)) {
    fail("it randomises the model's weights, and this model exposes none (a tfjs LayersModel does)");
  }
  if (plugin.needs.includes('mask')) {
    const name = plugin.mask?.(options as never) ?? 'mask';
    const shape = fit.extra[name];
    if (!shape) {
      const known = Object.keys(fit.extra);
      fail(
        `it needs a mask per sample in the dataset's extra array '${name}'; the dataset has ${
          known.length ? known.map((k) => `'${k}'`).join(', ') : 'none'
        } (set the metric's 'mask' option)`,
      );
    }
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    if (size(shape) !== size(fit.mapShape)) {
      fail(`the mask '${name}' has shape [${shape}], the maps [${fit.mapShape}]; they need as many entries`);
    }
  }
  try {
    plugin.check?.(options as never, { sampleShape: fit.sampleShape, mapShape: fit.mapShape, model: fit.model });
  } catch (error) {
    fail((error as Error).message);
  }
}

/** Metric ids name files: two may not share one. */
export function checkUniqueMetricIds(ids: string[]): void {
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new GradlensError(`two metrics are named '${dup}'; give one an 'id'`, { where: 'metrics' });
}
