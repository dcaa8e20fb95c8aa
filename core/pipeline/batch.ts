/**
 * The one batch computation: checks, targets, predictions, probabilities, then every method's
 * raw map, shape-checked and reduced by the run's conventions. `gradlens run`, `gradlens
 * attribute`, the worker threads, the dashboard's jobs and `attribute()` all compute here.
 * Inputs and results of {@link computeBatch} are plain typed arrays, so they cross threads and
 * processes unchanged.
 */
import { applyConventions, type Conventions } from '../attribution/reduce.ts';
import { classScores } from '../attribution/scores.ts';
import { resolveTargets, type TargetRule } from '../attribution/targets.ts';
import { GradlensError } from '../errors/errors.ts';
import type { AttributionInput, LoadedModel, ScoreKind } from '../plugins/types.ts';
import { tf } from '../tensor/tf.ts';
import { checkFinite, checkTargets } from './checks.ts';
import type { PreparedMethod } from './methods.ts';
import { type BoundMetric, evaluateMetrics, type MetricResult } from './metrics.ts';

/** A float32 array with its shape. */
export interface ArrayData {
  values: Float32Array;
  shape: number[];
}

/** A batch as arrays: inputs `x` of `shape` (`[N, ...]`), int labels `[N]`, extra arrays, ids. */
export interface BatchData {
  ids: string[];
  x: Float32Array;
  shape: number[];
  y?: Int32Array;
  /** The dataset's extra per-sample arrays, by name, first axis N. */
  extra?: Record<string, ArrayData>;
  /** Position of the batch's first sample in the dataset, for messages and per-sample seeds. */
  offset?: number;
  /**
   * Maps already computed (a finished run being evaluated): the targets they explain and one map
   * per run method, in order. No method is computed then; the metrics judge these.
   */
  given?: { targets: Int32Array; maps: ArrayData[] };
}

/** One method's result for a batch. */
export interface MethodResult {
  /** Reduced maps `[N, ...mapShape]`. */
  map: ArrayData;
  /** Per-sample statistics the method returned, each `[N]`. */
  perSample: { name: string; values: Float32Array }[];
  ms: number;
}

export interface BatchResult {
  /** `[N, K]`: the head's softmax, or the head itself when it is already one. */
  probabilities: ArrayData;
  predictions: Int32Array;
  targets: Int32Array;
  /** One per method, in the run's order (empty when the maps were given). */
  methods: MethodResult[];
  /** One per metric and method it judges, metric by metric. */
  metrics: MetricResult[];
}

/** A method of a run, ready to compute: prepared, with its conventions fixed. */
export interface RunMethod {
  id: string;
  prepared: PreparedMethod;
  conventions: Conventions;
}

/** What computing a batch needs beyond its data, fixed once when a run is planned. */
export interface BoundRun {
  model: LoadedModel;
  /** The head carrying class scores. */
  output: string;
  outputScores: ScoreKind;
  numClasses: number;
  target: TargetRule;
  methods: RunMethod[];
  /** Directory relative paths in method options resolve against. */
  baseDir?: string;
  /** Metrics evaluated on the maps of each batch (none when left out). */
  metrics?: BoundMetric[];
}

/** Computes a batch: see the module comment. Leaves no tensor behind. */
export async function computeBatch(run: BoundRun, data: BatchData): Promise<BatchResult> {
  const t = batchTensors(data);
  try {
    const ids = data.ids.map((id, i) => data.offset === undefined ? `'${id}'` : `'${id}' (row ${data.offset + i})`);
    await checkFinite(t.x, ids, 'inputs');
    if (t.y) await checkTargets(t.y, ids, run.numClasses, 'labels');
    const head = scoreBatch(run, t.x, t.y);
    try {
      const result: BatchResult = {
        probabilities: await arrayOf(head.probabilities),
        predictions: (await head.predictions.data()) as Int32Array,
        targets: data.given?.targets ?? (await head.targets.data()) as Int32Array,
        methods: [],
        metrics: [],
      };
      for (const method of data.given ? [] : run.methods) {
        const t0 = performance.now();
        const out = await computeMaps(method.prepared, method.conventions, {
          model: run.model,
          x: t.x,
          targets: head.targets,
          output: run.output,
          baseDir: run.baseDir,
          extra: t.extra,
        });
        try {
          const perSample = [];
          for (const [name, s] of Object.entries(out.perSample)) {
            perSample.push({ name, values: Float32Array.from(await s.data()) });
          }
          result.methods.push({ map: await arrayOf(out.maps), perSample, ms: performance.now() - t0 });
        } finally {
          tf.dispose([out.maps, ...Object.values(out.perSample)]);
        }
      }
      if (run.metrics?.length) result.metrics = await batchMetrics(run, data, t, result);
      return result;
    } finally {
      tf.dispose([head.probabilities, head.predictions, head.targets]);
    }
  } finally {
    tf.dispose([t.x, ...(t.y ? [t.y] : []), ...Object.values(t.extra)]);
  }
}

/**
 * The metrics of a batch, on the maps just computed (or the given ones); a metric's `explain`
 * computes a method's maps for other inputs through {@link computeBatch} itself, with the
 * targets it is given.
 */
async function batchMetrics(
  run: BoundRun,
  data: BatchData,
  t: ReturnType<typeof batchTensors>,
  result: BatchResult,
): Promise<MetricResult[]> {
  const given = data.given;
  const arrays = given ? given.maps : result.methods.map((m) => m.map);
  const maps = arrays.map((a, i) => ({ id: run.methods[i].id, map: tf.tensor(a.values, a.shape, 'float32') }));
  const targets = tf.tensor1d(result.targets, 'int32');
  try {
    return await evaluateMetrics(run.metrics ?? [], {
      model: run.model,
      output: run.output,
      outputScores: run.outputScores,
      numClasses: run.numClasses,
      x: t.x,
      targets,
      extra: t.extra,
      offset: data.offset ?? 0,
      maps,
      explain: async (index, x, xTargets) => {
        const sub: BoundRun = { ...run, target: 'label', methods: [run.methods[index]], metrics: [] };
        const out = await computeBatch(sub, {
          ids: Array.from({ length: x.shape[0] }, (_, i) => `perturbed ${i}`),
          x: (await x.data()) as Float32Array,
          shape: x.shape,
          y: Int32Array.from(await xTargets.data()),
        });
        const map = out.methods[0].map;
        return tf.tensor(map.values, map.shape, 'float32');
      },
    });
  } finally {
    tf.dispose([targets, ...maps.map((m) => m.map)]);
  }
}

/**
 * The class-score head on a batch: probabilities `[N, K]` (the head's softmax, or the head when it
 * is one already), predicted classes and the target classes of `run.target`, each `[N]`. The
 * caller owns the tensors.
 */
export function scoreBatch(
  run: Pick<BoundRun, 'model' | 'output' | 'outputScores' | 'target'>,
  x: tf.Tensor,
  y: tf.Tensor | undefined,
): { probabilities: tf.Tensor; predictions: tf.Tensor; targets: tf.Tensor1D } {
  return tf.tidy(() => {
    const scores = classScores(run.model, x, run.output);
    return {
      probabilities: run.outputScores === 'post-softmax' ? scores : tf.softmax(scores),
      predictions: tf.argMax(scores, 1).toInt(),
      targets: resolveTargets(run.target, scores, y),
    };
  });
}

/**
 * One method's maps for a batch: the raw map, checked to have the input's shape, then `abs` and
 * the channel reduction of `conventions`. The caller owns the returned tensors.
 */
export async function computeMaps(
  method: PreparedMethod,
  conventions: Conventions,
  input: AttributionInput,
): Promise<{ maps: tf.Tensor; perSample: Record<string, tf.Tensor> }> {
  const out = await method.attribute(input);
  const perSample = out.perSample ?? {};
  try {
    if (out.map.shape.join() !== input.x.shape.join()) {
      throw new GradlensError(
        `method '${method.plugin.name}' returned a map of shape [${
          out.map.shape.join(', ')
        }]; expected the input's shape [${input.x.shape.join(', ')}]`,
      );
    }
    return { maps: applyConventions(out.map, conventions), perSample };
  } catch (error) {
    tf.dispose(Object.values(perSample));
    throw error;
  } finally {
    out.map.dispose();
  }
}

/** Tensors of a batch's arrays; the caller disposes them. */
export function batchTensors(data: BatchData): { x: tf.Tensor; y?: tf.Tensor; extra: Record<string, tf.Tensor> } {
  return {
    x: tf.tensor(data.x, data.shape, 'float32'),
    y: data.y ? tf.tensor1d(data.y, 'int32') : undefined,
    extra: Object.fromEntries(
      Object.entries(data.extra ?? {}).map(([name, a]) => [name, tf.tensor(a.values, a.shape, 'float32')]),
    ),
  };
}

async function arrayOf(t: tf.Tensor): Promise<ArrayData> {
  return { values: (await t.data()) as Float32Array, shape: t.shape };
}
