import type { z } from 'zod';
import type { tf } from '../tensor/tf.ts';

type Tensor = tf.Tensor;

/** What every plugin module hands to the registry. */
export type Plugin = ModelPlugin | DatasetPlugin | AttributionPlugin | MetricPlugin;
export type PluginKind = Plugin['kind'];

/** Context given to plugins when they load: where relative paths resolve from. */
export interface LoadContext {
  /** Directory that relative paths in options are resolved against (the config's directory). */
  baseDir: string;
}

// ---------------------------------------------------------------------------------------------
// Model

/** How the class-score head relates to a softmax. Recorded with every run. */
export type ScoreKind = 'pre-softmax' | 'post-softmax' | 'unknown';

export interface ModelOutputInfo {
  name: string;
  /** Shape without the batch dimension, e.g. `[10]`; null entries are unknown sizes. */
  shape: (number | null)[];
  /**
   * What `forward` returns for this output: `pre-softmax` when the model's own softmax was
   * bypassed (or it had none and is linear), `post-softmax` when only probabilities exist.
   */
  scores: ScoreKind;
  /** Human-readable note on how the scores were obtained, e.g. "softmax of layer dense_2 bypassed". */
  note?: string;
}

export interface LayerInfo {
  name: string;
  className: string;
  /** Output shape without the batch dimension. */
  outputShape: (number | null)[];
}

/** Options for one forward pass. */
export interface ForwardOptions {
  /**
   * Functions applied to the output of the named layers during this pass, e.g. to read an
   * activation or add a probe whose gradient is the gradient with respect to that activation.
   * Models that cannot hook layers throw a GradlensError naming the capability.
   */
  hooks?: Record<string, (activation: Tensor) => Tensor>;
}

/** A model ready to evaluate. `forward` is synchronous so it can run inside `tf.grad` and `tf.tidy`. */
export interface LoadedModel {
  /** Input shape without the batch dimension, e.g. `[28, 28, 1]`; null entries accept any size. */
  inputShape: (number | null)[];
  /** The model's outputs, in order. */
  outputs: ModelOutputInfo[];
  /** Class names of the class-score head, when known. */
  classNames?: string[];
  /** Layers that hooks can address (empty when the model has no named layers). */
  layers(): LayerInfo[];
  /**
   * Runs the model on `x` (`[N, ...inputShape]`) and returns every output by name, class-score
   * heads before any softmax when {@link ModelOutputInfo.scores} says `pre-softmax`.
   */
  forward(x: Tensor, options?: ForwardOptions): Record<string, Tensor>;
  /** Frees the weights. */
  dispose(): void;
  /** Facts recorded in the run manifest (format, path, parameter count). */
  describe(): Record<string, unknown>;
  /**
   * `false` when gradients cannot flow through `forward` (e.g. a code-defined model that leaves
   * tfjs ops); methods that need gradients are then refused before a run starts. Left out, the
   * planner tries one gradient on a zero sample.
   */
  differentiable?: boolean;
  /**
   * The layers that hold weights, from input to output, for sanity checks that randomise them
   * (the model parameter randomisation test). Left out, such checks refuse the model.
   */
  weightedLayers?(): WeightedLayer[];
}

/** A layer's weights, readable and writable in place (see {@link LoadedModel.weightedLayers}). */
export interface WeightedLayer {
  name: string;
  className: string;
  weights: {
    /** Variable name, e.g. `dense_1/kernel`. */
    name: string;
    shape: number[];
    /** The current value (owned by the model: clone it to keep it). */
    read(): Tensor;
    /** Replaces the value; the model keeps its own reference, the caller may dispose `value`. */
    write(value: Tensor): void;
  }[];
}

export interface ModelPlugin<O = unknown> {
  kind: 'model';
  name: string;
  description: string;
  options: z.ZodType<O>;
  load(options: O, context: LoadContext): Promise<LoadedModel>;
}

// ---------------------------------------------------------------------------------------------
// Dataset

/** One batch. The consumer owns the tensors and disposes them (see `disposeBatch`). */
export interface Batch {
  /** Inputs, float32 `[N, H, W, C]` or `[N, T, F]`. */
  x: Tensor;
  /** Integer class labels `[N]` (int32), when the dataset has them. */
  y?: Tensor;
  /** One stable identifier per sample (file name, row index). */
  ids: string[];
  /** Any further per-sample arrays (masks, metadata), first dimension N. */
  extra?: Record<string, Tensor>;
}

export interface BatchRequest {
  batchSize: number;
  /** At most this many samples in all. */
  limit?: number;
  /** Skip this many leading batches (of `batchSize`) without decoding them where possible. */
  skipBatches?: number;
}

export interface OpenedDataset {
  /** Number of samples, when known without reading everything. */
  size?: number;
  /** Sample shape without the batch dimension. */
  sampleShape: number[];
  classNames?: string[];
  batches(request: BatchRequest): AsyncIterable<Batch>;
  /**
   * The extra per-sample arrays every batch carries (`Batch.extra`), by name, with each one's
   * sample shape (without N). Recorded in the manifest; names are file names in the run.
   */
  extra?: Record<string, number[]>;
  /** Facts recorded in the run manifest. */
  describe(): Record<string, unknown>;
  close?(): void;
}

export interface DatasetPlugin<O = unknown> {
  kind: 'dataset';
  name: string;
  description: string;
  options: z.ZodType<O>;
  open(options: O, context: LoadContext): Promise<OpenedDataset>;
}

// ---------------------------------------------------------------------------------------------
// Attribution

/**
 * What an attribution method needs from a model: `gradients` (the model is differentiable with
 * respect to its input), `layer` (a named layer with a spatial `[H, W, C]` output to hook), or
 * `forward-only` (nothing beyond forward passes). Checked against the model before a run starts.
 */
export type AttributionNeed = 'gradients' | 'forward-only' | 'layer';

/** Model evaluations per sample. */
export interface MethodCost {
  forward: number;
  backward: number;
}

/** Everything a method needs to compute maps for one batch. */
export interface AttributionInput {
  model: LoadedModel;
  /** Inputs `[N, ...]`, float32. */
  x: Tensor;
  /** Target class per sample, int32 `[N]`. */
  targets: Tensor;
  /** Name of the output head that carries class scores. */
  output: string;
  /** Directory that relative paths in the method's options resolve against (the run config's). */
  baseDir?: string;
  /** The dataset's extra per-sample arrays for this batch (masks, metadata), by name; first axis N. */
  extra?: Record<string, Tensor>;
  /**
   * The methods a wrapper composes, bound and ready, by the option key that names them
   * (see {@link AttributionPlugin.wraps}); empty for other methods.
   */
  wrapped?: Record<string, WrappedMethod>;
}

/** A method as the wrapper around it calls it: raw maps, options fixed when the run was planned. */
export interface WrappedMethod {
  name: string;
  /** Whether its maps depend on a seed; such a method is called per pass with its own seed. */
  seeded: boolean;
  /** The seed fixed when the run was planned (seeded methods only). */
  seed?: number;
  /** Raw maps of the input's shape; `seed` replaces the planned one for this call. */
  attribute(input: AttributionInput, override?: { seed?: number }): Promise<AttributionOutput>;
}

/** An option of a wrapper that names another method (e.g. SmoothGrad's `base`). */
export interface WrapSpec {
  /** Needs the wrapped method must declare (e.g. `['gradients']`); others are refused at planning. */
  requires?: AttributionNeed[];
  /** The method used when the option is left out. */
  default: AttributionPlugin<any>;
}

/** A method's result: maps of the input's shape, and optional per-sample statistics. */
export interface AttributionOutput {
  /** Same shape as the input, before channel reduction. */
  map: Tensor;
  /** Per-sample numbers worth storing (e.g. the IG completeness gap), each `[N]`. */
  perSample?: Record<string, Tensor>;
}

export interface AttributionPlugin<O = unknown> {
  kind: 'attribution';
  name: string;
  description: string;
  /** The paper or source the method follows. */
  reference?: string;
  options: z.ZodType<O>;
  /** What the method needs from a model; a wrapper's own needs (those of what it wraps are added). */
  needs: AttributionNeed[];
  /**
   * Whether the maps depend on a seed with these options (left out: never). The options then take
   * an optional integer `seed`; a run that leaves it out draws one when it is planned and records
   * it, so every batch, worker and rerun uses the same.
   */
  seeded?(options: O): boolean;
  /**
   * Options that name another method (a {@link MethodRef}), making this one a wrapper: the planner
   * resolves, validates, seeds and capability-checks each wrapped method, records its options in
   * full, and hands it to `attribute` bound, as `input.wrapped[key]`.
   */
  wraps?: Record<string, WrapSpec>;
  /**
   * Refuses a model this method cannot explain, beyond `needs` (e.g. a named layer that does not
   * exist), by throwing a GradlensError that says why. Called once when a run is planned.
   */
  check?(options: O, model: LoadedModel, sampleShape: number[]): void;
  /** Whether raw maps carry a sign (gradient x input) or are non-negative by construction. */
  signed: boolean;
  /** Conventions applied after the method unless the run says otherwise. */
  defaults?: { abs?: boolean; reduce?: ChannelReduction };
  /**
   * Model evaluations per sample for a sample of `sampleShape` (without N), e.g.
   * `{ forward: 1, backward: 1 }`; recorded in the run manifest. A wrapper is given the cost of
   * each method it wraps.
   */
  cost?(options: O, sampleShape: number[], wrapped?: Record<string, MethodCost>): MethodCost;
  attribute(
    input: AttributionInput,
    options: O,
  ): Tensor | AttributionOutput | Promise<Tensor | AttributionOutput>;
}

/** How a map of shape `[N, H, W, C]` becomes `[N, H, W]`. */
export type ChannelReduction = 'max' | 'sum' | 'l2' | 'none';

// ---------------------------------------------------------------------------------------------
// Metric

/** What a metric judges a map by (Quantus's categories). */
export type MetricCategory = 'faithfulness' | 'randomisation' | 'localisation' | 'robustness' | 'complexity';

/**
 * What a metric needs beyond the maps: `model` (forward passes on perturbed inputs), `recompute`
 * (the method's maps for other inputs, targets or weights), `weights` (a model whose layers can be
 * randomised: {@link LoadedModel.weightedLayers}), `mask` (a dataset extra array per sample, named
 * by {@link MetricPlugin.mask}). Checked before a run or an evaluation starts.
 */
export type MetricNeed = 'model' | 'recompute' | 'weights' | 'mask';

/** Everything a metric sees of one batch and one method. */
export interface MetricInput {
  model: LoadedModel;
  /** Name of the output head that carries class scores, and what it returns. */
  output: string;
  outputScores: ScoreKind;
  numClasses: number;
  /** Inputs `[N, ...]`, float32. */
  x: Tensor;
  /** The class each map explains, int32 `[N]`. */
  targets: Tensor;
  /** The method's stored maps `[N, ...mapShape]` (after the run's abs and channel reduction). */
  maps: Tensor;
  /** The method's column id in the run, for messages. */
  method: string;
  /** The dataset's extra arrays for this batch, by name (masks), first axis N. */
  extra: Record<string, Tensor>;
  /**
   * Position of the batch's first sample in the run: per-sample seeds derive from it, so results
   * do not depend on the batch size or the number of workers.
   */
  offset: number;
  /**
   * The method's maps for inputs `x` `[M, ...]` and `targets` `[M]`, computed by the run's batch
   * computation with the same options and conventions (and the model's current weights); the
   * caller owns the result. Keep `M` within `maxBatch`.
   */
  explain(x: Tensor, targets: Tensor): Promise<Tensor>;
}

/** A curve per sample, e.g. the class score as pixels are deleted. */
export interface MetricCurve {
  name: string;
  /** The x axis, shared by every sample (`[K]`). */
  x: number[];
  /** Names of the x positions when they are not numbers (e.g. layers). */
  labels?: string[];
  xLabel: string;
  yLabel: string;
  /** Values `[N, K]`, row-major. */
  y: Float32Array;
}

/** A metric's result for a batch: one value per sample, and optional curves. */
export interface MetricOutput {
  /** `[N]`. */
  values: Float32Array;
  curves?: MetricCurve[];
  /**
   * Further per-sample arrays worth showing, e.g. the maps of a randomised model `[N, L, H, W]`:
   * `shape` is one sample's, `values` all samples', row-major. Stored beside the values.
   */
  arrays?: { name: string; shape: number[]; values: Float32Array }[];
}

export interface MetricPlugin<O = unknown> {
  kind: 'metric';
  name: string;
  description: string;
  /** The paper the metric follows. */
  reference?: string;
  category: MetricCategory;
  options: z.ZodType<O>;
  needs: MetricNeed[];
  /** Whether a larger value means a better map. */
  higherIsBetter: boolean;
  /** The extra array holding the masks, for metrics that need one. */
  mask?(options: O): string;
  /**
   * Whether values depend on a seed with these options. The options then take an optional
   * integer `seed`; one is drawn when left out and recorded, and samples derive their own from it.
   */
  seeded?(options: O): boolean;
  /** Refuses maps or models the metric cannot judge, with the reason (a GradlensError). */
  check?(options: O, info: { sampleShape: number[]; mapShape: number[]; model: LoadedModel }): void;
  evaluate(input: MetricInput, options: O): Promise<MetricOutput>;
}
