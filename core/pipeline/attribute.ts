import { resolveConventions } from '../attribution/reduce.ts';
import { resolveOutput } from '../attribution/scores.ts';
import { defaultTargetRule, type TargetRule } from '../attribution/targets.ts';
import { GradlensError } from '../errors/errors.ts';
import { toLoadedModel } from '../models/define.ts';
import type { Registry } from '../plugins/registry.ts';
import type { AttributionPlugin, ChannelReduction, LoadedModel } from '../plugins/types.ts';
import { tf } from '../tensor/tf.ts';
import type { Conventions } from '../attribution/reduce.ts';
import { computeMaps, scoreBatch } from './batch.ts';
import { modelCapabilities } from './capabilities.ts';
import { type PreparedMethod, prepareMethod } from './methods.ts';
import type { ModelCapabilities } from './needs.ts';
import { checkFits } from './plan.ts';

export interface AttributeOptions {
  /** The method: a plugin, or a name looked up in `registry`. */
  method: AttributionPlugin | string;
  /** Resolves methods given by name, including those a wrapper names (e.g. SmoothGrad's `base`). */
  registry?: Registry;
  /** Integer labels `[N]`, needed for the `label` target rule (the default when given). */
  labels?: tf.Tensor;
  /** Which class each map explains (default: `label` with labels, else `predicted`). */
  target?: TargetRule;
  /** The class-score head: name or index (default: the first output). */
  output?: string | number;
  /** The method's options, validated by its schema. */
  options?: Record<string, unknown>;
  abs?: boolean;
  reduce?: ChannelReduction;
  /** Directory that relative paths in `options` resolve against (default: the working directory). */
  baseDir?: string;
  /** Extra per-sample arrays the method may read (a dataset's masks or metadata), first axis N. */
  extra?: Record<string, tf.Tensor>;
}

export interface AttributeResult {
  /** Reduced maps: `[N, H, W]`, or the input's shape with `reduce: 'none'`. */
  maps: tf.Tensor;
  /** Target class per sample, int32 `[N]`. */
  targets: tf.Tensor1D;
  /** The conventions applied. */
  conventions: Conventions;
  /** Per-sample statistics returned by the method. */
  perSample: Record<string, tf.Tensor>;
  /** The method's options as used: defaults filled, seeds drawn, wrapped methods in full. */
  options: Record<string, unknown>;
}

/**
 * Computes one method's maps for a batch `x` `[N, ...]`, through the same steps as a run: the
 * method is prepared and checked against the model, then its maps computed, shape-checked and
 * reduced by the run's batch computation (`computeMaps`). The caller owns (and disposes) the
 * returned tensors; nothing else is left allocated.
 */
export async function attribute(model: unknown, x: tf.Tensor, options: AttributeOptions): Promise<AttributeResult> {
  const loaded = toLoadedModel(model);
  const registry = options.registry;
  const plugin = typeof options.method === 'string'
    ? (registry ?? missingRegistry(options.method)).get('attribution', options.method)
    : options.method;
  const { prepared, output, conventions, info } = methodForModel(model, loaded, plugin, x, options);
  const target = options.target ?? defaultTargetRule(options.labels !== undefined);
  const head = scoreBatch({ model: loaded, output, outputScores: info.scores, target }, x, options.labels);
  tf.dispose([head.probabilities, head.predictions]);
  const targets = head.targets;
  try {
    const { maps, perSample } = await computeMaps(prepared, conventions, {
      model: loaded,
      x,
      targets,
      output,
      baseDir: options.baseDir,
      extra: options.extra,
    });
    return { maps, targets, conventions, perSample, options: prepared.options };
  } catch (error) {
    targets.dispose();
    throw error;
  }
}

/** Capabilities measured once per model object, head and sample shape (cached). */
const measured = new WeakMap<object, Map<string, ModelCapabilities>>();

/**
 * A method made ready for `model` and batches like `x`, as a run plans it: prepared (a wrapped
 * method resolved in `options.registry`), checked against the model's capabilities, its output
 * head and conventions fixed.
 */
export function methodForModel(
  model: unknown,
  loaded: LoadedModel,
  plugin: AttributionPlugin,
  x: tf.Tensor,
  options: AttributeOptions,
): {
  prepared: PreparedMethod;
  output: string;
  sampleShape: number[];
  conventions: Conventions;
  info: LoadedModel['outputs'][number];
} {
  const registry = options.registry;
  const where = `method '${plugin.name}'`;
  const prepared = prepareMethod(plugin, options.options, where, {
    resolve: registry && ((name) => registry.get('attribution', name)),
  });
  const output = resolveOutput(loaded, options.output);
  const sampleShape = x.shape.slice(1);
  checkFits(prepared, where, capabilitiesOf(model, loaded, sampleShape, output), loaded, sampleShape);
  const conventions = resolveConventions(plugin, { abs: options.abs, reduce: options.reduce }, x.rank);
  const info = loaded.outputs.find((o) => o.name === output)!;
  return { prepared, output, sampleShape, conventions, info };
}

export function capabilitiesOf(
  key: unknown,
  model: ReturnType<typeof toLoadedModel>,
  sampleShape: number[],
  output: string,
): ModelCapabilities {
  const holder = typeof key === 'object' && key !== null ? key : model;
  const byModel = measured.get(holder) ?? new Map<string, ModelCapabilities>();
  measured.set(holder, byModel);
  const id = `${output}|${sampleShape.join(',')}`;
  let found = byModel.get(id);
  if (!found) {
    found = modelCapabilities(model, sampleShape, output);
    byModel.set(id, found);
  }
  return found;
}

function missingRegistry(name: string): never {
  throw new GradlensError(
    `method '${name}' given by name, but no registry was passed; pass { registry } or the plugin`,
  );
}
