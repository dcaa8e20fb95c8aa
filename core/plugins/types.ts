import type { z } from 'zod';
import type { tf } from '../tensor/tf.ts';

type Tensor = tf.Tensor;

/** What every plugin module hands to the registry. */
export type Plugin = ModelPlugin | DatasetPlugin | AttributionPlugin;
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

/** What an attribution method needs from a model. */
export type AttributionNeed = 'gradients' | 'forward-only' | 'layer';

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
  needs: AttributionNeed[];
  /** Whether raw maps carry a sign (gradient x input) or are non-negative by construction. */
  signed: boolean;
  /** Conventions applied after the method unless the run says otherwise. */
  defaults?: { abs?: boolean; reduce?: ChannelReduction };
  /**
   * Model evaluations per sample for a sample of `sampleShape` (without N), e.g.
   * `{ forward: 1, backward: 1 }`; recorded in the run manifest.
   */
  cost?(options: O, sampleShape: number[]): { forward: number; backward: number };
  attribute(
    input: AttributionInput,
    options: O,
  ): Tensor | AttributionOutput | Promise<Tensor | AttributionOutput>;
}

/** How a map of shape `[N, H, W, C]` becomes `[N, H, W]`. */
export type ChannelReduction = 'max' | 'sum' | 'l2' | 'none';
