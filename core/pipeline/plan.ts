/**
 * Planning a run: everything decided once, before the first batch. Plugins are resolved and
 * their options parsed (seeds drawn, wrapped methods resolved), the model loaded and the dataset
 * opened, the shapes matched, the head, classes, target rule and conventions fixed, and every
 * method's needs checked against what the model offers. The result is a plain {@link RunPlan}
 * (recorded in the manifest, sent to workers) and the live objects of this process.
 */
import { type Conventions, resolveConventions } from '../attribution/reduce.ts';
import { countClasses, resolveOutput } from '../attribution/scores.ts';
import { defaultTargetRule, type TargetRule } from '../attribution/targets.ts';
import { disposeBatch } from '../data/batches.ts';
import { GradlensError } from '../errors/errors.ts';
import { SafeId } from '../io/safe-id.ts';
import type { Registry } from '../plugins/registry.ts';
import type {
  AttributionNeed,
  ChannelReduction,
  DatasetPlugin,
  LoadedModel,
  MethodCost,
  MetricPlugin,
  ModelOutputInfo,
  ModelPlugin,
  OpenedDataset,
} from '../plugins/types.ts';
import type { BoundRun } from './batch.ts';
import { modelCapabilities } from './capabilities.ts';
import { checkInputShape } from './checks.ts';
import { type PreparedMethod, prepareMethod } from './methods.ts';
import { type ModelCapabilities, unmetNeeds } from './needs.ts';
import { parsePluginOptions } from './options.ts';
import { checkMetricFits, checkUniqueMetricIds, type PlannedMetric, prepareMetricOptions } from './metric-plan.ts';

/** What a run is made of: a run config's model, dataset, methods and target (see core/runs/config.ts). */
export interface PlanRequest {
  model: { plugin: string; options?: Record<string, unknown>; output?: string | number };
  dataset: { plugin: string; options?: Record<string, unknown> };
  methods: {
    plugin: string;
    options?: Record<string, unknown>;
    id?: string;
    abs?: boolean;
    reduce?: ChannelReduction;
  }[];
  target?: TargetRule;
  /** Metrics judging the maps of every batch (or of the methods they name). */
  metrics?: MetricRequest[];
}

/** A metric of a run, as a config gives it. */
export interface MetricRequest {
  plugin: string;
  options?: Record<string, unknown>;
  /** File and column name (default: the plugin name). */
  id?: string;
  /** Ids of the methods it judges (default: all). */
  methods?: string[];
}

/** A method as planned: what the manifest records and a worker rebuilds. */
export interface PlannedMethod {
  /** Column name in the run. */
  id: string;
  plugin: string;
  /** Parsed options, seeds drawn, wrapped methods in full. */
  options: Record<string, unknown>;
  conventions: Conventions;
  /** Shape of one stored map, without N. */
  mapShape: number[];
  /** Its needs and those of what it wraps. */
  needs: AttributionNeed[];
  cost?: MethodCost;
}

/** Everything decided before the first batch, as plain data. */
export interface RunPlan {
  model: { plugin: string; options: Record<string, unknown> };
  dataset: { plugin: string; options: Record<string, unknown> };
  output: { name: string; index: number; scores: ModelOutputInfo['scores']; note?: string };
  numClasses: number;
  classNames?: string[];
  target: TargetRule;
  hasLabels: boolean;
  /** One sample's shape, without N. */
  sampleShape: number[];
  /** The dataset's extra per-sample arrays: name and sample shape. */
  extra: Record<string, number[]>;
  methods: PlannedMethod[];
  /** Metrics, options parsed and seeds drawn. */
  metrics: PlannedMetric[];
  /** Directory relative paths in options resolve against. */
  baseDir: string;
}

/** A planned run in this process: the plan, and the model, dataset and methods it was made from. */
export interface OpenedRun {
  plan: RunPlan;
  bound: BoundRun;
  model: LoadedModel;
  modelPlugin: ModelPlugin;
  dataset: OpenedDataset;
  datasetPlugin: DatasetPlugin;
  capabilities: ModelCapabilities;
  /** Closes the dataset and frees the model. */
  close(): void;
}

export interface PlanOptions {
  registry: Registry;
  /** Directory relative paths resolve against. */
  baseDir: string;
  /** Draws the seeds of seeded methods that have none (default: random). */
  drawSeed?: () => number;
}

/** Plans a run; see the module comment. Fails with a GradlensError naming the field at fault. */
export async function openRun(request: PlanRequest, options: PlanOptions): Promise<OpenedRun> {
  const { registry, baseDir } = options;
  const modelPlugin = registry.get('model', request.model.plugin);
  const datasetPlugin = registry.get('dataset', request.dataset.plugin);
  const modelOptions = parsePluginOptions(
    modelPlugin.options,
    request.model.options,
    `model.options (${modelPlugin.name})`,
  );
  const datasetOptions = parsePluginOptions(
    datasetPlugin.options,
    request.dataset.options,
    `dataset.options (${datasetPlugin.name})`,
  );
  const methods = request.methods.map((m, i) => {
    const plugin = registry.get('attribution', m.plugin);
    const prepared = prepareMethod(plugin, m.options, `methods[${i}].options (${plugin.name})`, {
      resolve: (name) => registry.get('attribution', name),
      drawSeed: options.drawSeed,
    });
    return { request: m, prepared, id: m.id ?? plugin.name, where: `methods[${i}] (${m.id ?? plugin.name})` };
  });
  checkUniqueIds(methods.map((m) => m.id));
  const metrics = (request.metrics ?? []).map((m, i) => {
    const plugin = registry.get('metric', m.plugin);
    const id = m.id ?? plugin.name;
    const where = `metrics[${i}] (${id})`;
    const parsed = prepareMetricOptions(plugin, m.options, `${where}.options`, options.drawSeed);
    for (const method of m.methods ?? []) {
      if (!methods.some((x) => x.id === method)) {
        throw new GradlensError(`no method '${method}' in this run; methods: ${methods.map((x) => x.id).join(', ')}`, {
          where: `${where}.methods`,
        });
      }
    }
    return {
      plugin,
      planned: { id, plugin: plugin.name, options: parsed, methods: m.methods ?? methods.map((x) => x.id) },
    };
  });
  checkUniqueMetricIds(metrics.map((m) => m.planned.id));

  const context = { baseDir };
  const model = await modelPlugin.load(modelOptions, context);
  let dataset: OpenedDataset | undefined;
  try {
    dataset = await datasetPlugin.open(datasetOptions, context);
    const sampleShape = dataset.sampleShape;
    checkInputShape(model.inputShape, sampleShape, `dataset '${datasetPlugin.name}'`);
    const output = resolveOutput(model, request.model.output);
    const index = model.outputs.findIndex((o) => o.name === output);
    const info = model.outputs[index];
    const numClasses = countClasses(model, sampleShape, output);
    const peeked = await peek(dataset);
    const extra = dataset.extra ?? peeked.extra;
    for (const name of Object.keys(extra)) {
      if (!SafeId.safeParse(name).success) {
        throw new GradlensError(
          `extra array '${name}' needs a name usable as a file name (letters, digits, '.', '_', '-')`,
          { where: `dataset '${datasetPlugin.name}'` },
        );
      }
    }
    const capabilities = modelCapabilities(model, sampleShape, output);
    for (const m of methods) checkFits(m.prepared, m.where, capabilities, model, sampleShape);
    const rank = sampleShape.length + 1;
    const planned: PlannedMethod[] = methods.map((m) => {
      const conventions = resolveConventions(m.prepared.plugin, { abs: m.request.abs, reduce: m.request.reduce }, rank);
      return {
        id: m.id,
        plugin: m.prepared.plugin.name,
        options: m.prepared.options,
        conventions,
        mapShape: conventions.reduce === 'none' ? sampleShape : sampleShape.slice(0, -1),
        needs: m.prepared.needs,
        cost: m.prepared.cost(sampleShape),
      };
    });
    const plan: RunPlan = {
      model: { plugin: modelPlugin.name, options: modelOptions as Record<string, unknown> },
      dataset: { plugin: datasetPlugin.name, options: datasetOptions as Record<string, unknown> },
      output: { name: output, index, scores: info.scores, note: info.note },
      numClasses,
      classNames: model.classNames ?? dataset.classNames,
      target: request.target ?? defaultTargetRule(peeked.hasLabels),
      hasLabels: peeked.hasLabels,
      sampleShape,
      extra,
      methods: planned,
      metrics: metrics.map((m) => m.planned),
      baseDir,
    };
    metrics.forEach((m, i) => {
      for (const id of m.planned.methods) {
        const method = planned.find((x) => x.id === id)!;
        checkMetricFits(m.plugin, m.planned.options, {
          model,
          sampleShape,
          mapShape: method.mapShape,
          extra,
          method: id,
        }, `metrics[${i}] (${m.planned.id})`);
      }
    });
    const opened = dataset;
    return {
      plan,
      bound: bindPrepared(plan, model, methods.map((m) => m.prepared), metrics.map((m) => m.plugin)),
      model,
      modelPlugin,
      dataset: opened,
      datasetPlugin,
      capabilities,
      close() {
        opened.close?.();
        model.dispose();
      },
    };
  } catch (error) {
    dataset?.close?.();
    model.dispose();
    throw error;
  }
}

/**
 * Rebuilds a plan's methods in another thread or process (from its registry) around a model
 * loaded there: the same prepared methods, seeds and conventions as where it was planned.
 */
export function bindPlan(plan: RunPlan, registry: Registry, model: LoadedModel): BoundRun {
  const prepared = plan.methods.map((m, i) =>
    prepareMethod(registry.get('attribution', m.plugin), m.options, `methods[${i}].options (${m.plugin})`, {
      resolve: (name) => registry.get('attribution', name),
      drawSeed: () => {
        throw new GradlensError(`internal: method '${m.id}' reached a worker without its seed`);
      },
    })
  );
  return bindPrepared(plan, model, prepared, plan.metrics.map((m) => registry.get('metric', m.plugin)));
}

function bindPrepared(
  plan: RunPlan,
  model: LoadedModel,
  prepared: PreparedMethod[],
  metrics: MetricPlugin[],
): BoundRun {
  return {
    model,
    output: plan.output.name,
    outputScores: plan.output.scores,
    numClasses: plan.numClasses,
    target: plan.target,
    baseDir: plan.baseDir,
    methods: plan.methods.map((m, i) => ({ id: m.id, prepared: prepared[i], conventions: m.conventions })),
    metrics: plan.metrics.map((m, i) => ({
      id: m.id,
      plugin: metrics[i],
      options: m.options,
      methods: m.methods.map((id) => plan.methods.findIndex((x) => x.id === id)),
    })),
  };
}

/** Refuses a method the model cannot serve, with every reason, before any batch is computed. */
export function checkFits(
  method: PreparedMethod,
  where: string,
  capabilities: ModelCapabilities,
  model: LoadedModel,
  sampleShape: number[],
): void {
  const reasons = unmetNeeds(method.needs, capabilities);
  if (reasons.length > 0) {
    throw new GradlensError(`'${method.plugin.name}' cannot explain this model: it ${reasons.join('; it ')}`, {
      where,
    });
  }
  method.check(model, sampleShape);
}

/** Two methods with one id would write the same files. */
export function checkUniqueIds(ids: string[]): void {
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new GradlensError(`two methods are named '${dup}'; give one an 'id'`, { where: 'methods' });
}

/** Whether the data has labels, and its extra arrays' shapes, from its first sample. */
async function peek(dataset: OpenedDataset): Promise<{ hasLabels: boolean; extra: Record<string, number[]> }> {
  for await (const batch of dataset.batches({ batchSize: 1, limit: 1 })) {
    const extra = Object.fromEntries(Object.entries(batch.extra ?? {}).map(([k, t]) => [k, t.shape.slice(1)]));
    const hasLabels = batch.y !== undefined;
    disposeBatch(batch);
    return { hasLabels, extra };
  }
  return { hasLabels: false, extra: {} };
}
