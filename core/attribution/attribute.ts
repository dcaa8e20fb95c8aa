import { tf } from '../tensor/tf.ts';
import { describeZodIssues, GradlensError } from '../errors/errors.ts';
import { toLoadedModel } from '../models/define.ts';
import type { Registry } from '../plugins/registry.ts';
import type { AttributionOutput, AttributionPlugin, ChannelReduction } from '../plugins/types.ts';
import { applyConventions, type Conventions, resolveConventions } from './reduce.ts';
import { classScores, resolveOutput } from './scores.ts';
import { defaultTargetRule, resolveTargets, type TargetRule } from './targets.ts';

export interface AttributeOptions {
  /** The method: a plugin, or a name looked up in `registry`. */
  method: AttributionPlugin | string;
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
}

/**
 * Computes one method's maps for a batch, with the same target, head and channel conventions as
 * a run. The caller owns (and disposes) the returned tensors; nothing else is left allocated.
 */
export async function attribute(model: unknown, x: tf.Tensor, options: AttributeOptions): Promise<AttributeResult> {
  const loaded = toLoadedModel(model);
  const plugin = typeof options.method === 'string'
    ? (options.registry ?? missingRegistry(options.method)).get('attribution', options.method)
    : options.method;
  const parsed = plugin.options.safeParse(options.options ?? {});
  if (!parsed.success) {
    throw new GradlensError(`invalid options: ${describeZodIssues(parsed.error.issues)}`, {
      where: `method '${plugin.name}'`,
    });
  }
  const output = resolveOutput(loaded, options.output);
  const rule = options.target ?? defaultTargetRule(options.labels !== undefined);
  const targets = tf.tidy(() => resolveTargets(rule, classScores(loaded, x, output), options.labels));
  const conventions = resolveConventions(plugin, { abs: options.abs, reduce: options.reduce }, x.rank);
  let raw: tf.Tensor | AttributionOutput;
  try {
    raw = await plugin.attribute({ model: loaded, x, targets, output, baseDir: options.baseDir }, parsed.data);
  } catch (error) {
    targets.dispose();
    throw error;
  }
  const result: AttributionOutput = raw instanceof tf.Tensor ? { map: raw } : raw;
  const maps = applyConventions(result.map, conventions);
  result.map.dispose();
  return { maps, targets, conventions, perSample: result.perSample ?? {} };
}

function missingRegistry(name: string): never {
  throw new GradlensError(
    `method '${name}' given by name, but no registry was passed; pass { registry } or the plugin`,
  );
}
