/**
 * The computations a worker runs, shared with the in-process path so one worker and many give
 * the same arrays: one run batch (targets, predictions, probabilities, every method's maps) and
 * one `attribute` batch. Inputs and results are plain typed arrays (they cross threads).
 */
import { attribute } from '../attribution/attribute.ts';
import { applyConventions, type Conventions } from '../attribution/reduce.ts';
import { classScores } from '../attribution/scores.ts';
import { resolveTargets, type TargetRule } from '../attribution/targets.ts';
import { tf } from '../tensor/tf.ts';
import { GradlensError } from '../errors/errors.ts';
import type { AttributionOutput, AttributionPlugin, LoadedModel } from '../plugins/types.ts';
import type { ChannelReduction } from '../plugins/types.ts';
import { checkFinite, checkTargets } from '../runs/checks.ts';

/** A batch as arrays: inputs `x` of `shape` (`[N, ...]`), optional int labels `[N]`, sample ids. */
export interface BatchData {
  ids: string[];
  x: Float32Array;
  shape: number[];
  y?: Int32Array;
}

export interface MethodSpec<P = string> {
  /** The plugin (in process) or its registered name (in a worker). */
  plugin: P;
  options: unknown;
  conventions: Conventions;
}

/** What a run batch needs besides the model: head, target rule, methods. */
export interface RunBatchSpec<P = string> {
  output: string;
  outputScores: string;
  numClasses: number;
  rule: TargetRule;
  methods: MethodSpec<P>[];
  /** The run's folder, which methods resolve relative paths against (e.g. IG's .npy baseline). */
  baseDir?: string;
}

export interface RunBatchResult {
  probabilities: { values: Float32Array; shape: number[] };
  predictions: Int32Array;
  targets: Int32Array;
  /** Reduced maps, one per method. */
  maps: { values: Float32Array; shape: number[] }[];
  /** Per-sample statistics, one list per method. */
  perSample: { name: string; values: Float32Array }[][];
  methodMs: number[];
}

/** Tensors of a batch; the caller disposes them. */
export function batchTensors(data: BatchData): { x: tf.Tensor; y?: tf.Tensor } {
  return {
    x: tf.tensor(data.x, data.shape, 'float32'),
    y: data.y ? tf.tensor1d(data.y, 'int32') : undefined,
  };
}

/** One run batch: checks, targets, predictions, probabilities and each method's reduced map. */
export async function computeRunBatch(
  model: LoadedModel,
  x: tf.Tensor,
  y: tf.Tensor | undefined,
  ids: string[],
  spec: RunBatchSpec<AttributionPlugin>,
): Promise<RunBatchResult> {
  const n = ids.length;
  await checkFinite(x, ids, 'inputs');
  if (y) await checkTargets(y, ids, spec.numClasses, 'labels');
  const { probabilities, predictions, targets } = tf.tidy(() => {
    const scores = classScores(model, x, spec.output);
    const probs = spec.outputScores === 'post-softmax' ? scores : tf.softmax(scores);
    return {
      probabilities: probs,
      predictions: tf.argMax(scores, 1).toInt(),
      targets: resolveTargets(spec.rule, scores, y),
    };
  });
  try {
    const result: RunBatchResult = {
      probabilities: { values: (await probabilities.data()) as Float32Array, shape: probabilities.shape },
      predictions: (await predictions.data()) as Int32Array,
      targets: (await targets.data()) as Int32Array,
      maps: [],
      perSample: [],
      methodMs: [],
    };
    for (const method of spec.methods) {
      const m0 = Date.now();
      const raw = await method.plugin.attribute(
        { model, x, targets, output: spec.output, baseDir: spec.baseDir },
        method.options,
      );
      const out: AttributionOutput = raw instanceof tf.Tensor ? { map: raw } : raw;
      try {
        if (out.map.shape.join() !== x.shape.join()) {
          throw new GradlensError(
            `method '${method.plugin.name}' returned a map of shape [${
              out.map.shape.join(', ')
            }]; expected the input's shape [${x.shape.join(', ')}]`,
          );
        }
        const reduced = applyConventions(out.map, method.conventions);
        try {
          result.maps.push({ values: (await reduced.data()) as Float32Array, shape: reduced.shape });
        } finally {
          reduced.dispose();
        }
        const stats: { name: string; values: Float32Array }[] = [];
        for (const [name, t] of Object.entries(out.perSample ?? {})) {
          stats.push({ name, values: Float32Array.from(await t.data()) });
        }
        result.perSample.push(stats);
      } finally {
        out.map.dispose();
        for (const t of Object.values(out.perSample ?? {})) t.dispose();
      }
      result.methodMs.push(Date.now() - m0);
    }
    if (result.probabilities.shape[0] !== n) throw new Error('internal: batch size changed');
    return result;
  } finally {
    probabilities.dispose();
    predictions.dispose();
    targets.dispose();
  }
}

/** What one `gradlens attribute` batch needs besides the model. */
export interface AttributeSpec<P = string> {
  method: P;
  options: Record<string, unknown>;
  target?: TargetRule;
  output: string;
  abs: boolean;
  reduce: ChannelReduction;
  /** Where the inputs and labels came from, for error messages. */
  inputsPath: string;
  labelsPath?: string;
  numClasses: number;
}

/** One `attribute` batch: checks, then the method's reduced maps as float32 values. */
export async function computeAttributeBatch(
  model: LoadedModel,
  x: tf.Tensor,
  y: tf.Tensor | undefined,
  ids: string[],
  spec: AttributeSpec<AttributionPlugin>,
): Promise<Float32Array> {
  await checkFinite(x, ids, `inputs (${spec.inputsPath})`);
  if (y) await checkTargets(y, ids, spec.numClasses, `labels (${spec.labelsPath})`);
  const result = await attribute(model, x, {
    method: spec.method,
    labels: y,
    target: spec.target,
    output: spec.output,
    options: spec.options,
    abs: spec.abs,
    reduce: spec.reduce,
  });
  try {
    return (await result.maps.data()) as Float32Array;
  } finally {
    result.maps.dispose();
    result.targets.dispose();
    for (const t of Object.values(result.perSample)) t.dispose();
  }
}
