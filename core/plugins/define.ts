import type { AttributionPlugin, DatasetPlugin, MetricPlugin, ModelPlugin } from './types.ts';
import { validatePlugin } from './validate.ts';

/**
 * Defines an attribution method: the plugin with its `kind` filled in, checked as the registry
 * checks it, and its options' type inferred from the schema.
 *
 * ```ts
 * export default defineAttribution({
 *   name: 'my-method', description: '...', options: z.object({}), needs: ['gradients'], signed: true,
 *   attribute: ({ model, x, targets, output }) => inputGradient(model, x, targets, output),
 * });
 * ```
 */
export function defineAttribution<O>(plugin: Omit<AttributionPlugin<O>, 'kind'>): AttributionPlugin<O> {
  return validatePlugin({ ...plugin, kind: 'attribution' }, `attribution '${plugin.name}'`) as AttributionPlugin<O>;
}

/** Defines a dataset plugin (see {@link defineAttribution}). */
export function defineDataset<O>(plugin: Omit<DatasetPlugin<O>, 'kind'>): DatasetPlugin<O> {
  return validatePlugin({ ...plugin, kind: 'dataset' }, `dataset '${plugin.name}'`) as DatasetPlugin<O>;
}

/** Defines a model plugin (see {@link defineAttribution}); `defineModel` accepts the same. */
export function defineModelPlugin<O>(plugin: Omit<ModelPlugin<O>, 'kind'>): ModelPlugin<O> {
  return validatePlugin({ ...plugin, kind: 'model' }, `model '${plugin.name}'`) as ModelPlugin<O>;
}

/** Defines a metric (see {@link defineAttribution}). */
export function defineMetric<O>(plugin: Omit<MetricPlugin<O>, 'kind'>): MetricPlugin<O> {
  return validatePlugin({ ...plugin, kind: 'metric' }, `metric '${plugin.name}'`) as MetricPlugin<O>;
}
