import { tf } from '../tensor/tf.ts';
import { GradlensError } from '../errors/errors.ts';
import { defineModelPlugin } from '../plugins/define.ts';
import type { LoadedModel, ModelOutputInfo, ModelPlugin, ScoreKind } from '../plugins/types.ts';
import { fromGraphModel } from './graph.ts';
import { fromLayersModel } from './layers.ts';

/** A model written as code: a synchronous, differentiable function of a batch. */
export interface CodeModel {
  /** Input shape without the batch dimension. */
  inputShape: (number | null)[];
  /** Output names, in the order `predict` returns them (default: `output`, or `output_i`). */
  outputNames?: string[];
  /** What the outputs are: `pre-softmax` (default, logits) or `post-softmax`. */
  scores?: ScoreKind;
  classNames?: string[];
  /** Runs the model; built from tfjs ops so gradients flow. */
  predict(x: tf.Tensor): tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>;
  /**
   * `false` when gradients cannot flow through `predict` (it leaves tfjs ops, or wraps a
   * non-differentiable model): only forward-only methods are then offered.
   */
  differentiable?: boolean;
  dispose?(): void;
}

/**
 * Defines a model. Given a {@link CodeModel} (`{ inputShape, predict }`), wraps it as a
 * {@link LoadedModel} ready to explain; given a model plugin (`{ name, options, load }`), returns
 * the plugin with its `kind` filled in and checked, as {@link defineAttribution} does.
 */
export function defineModel<O>(plugin: Omit<ModelPlugin<O>, 'kind'>): ModelPlugin<O>;
export function defineModel(model: CodeModel): LoadedModel;
export function defineModel<O>(model: CodeModel | Omit<ModelPlugin<O>, 'kind'>): LoadedModel | ModelPlugin<O> {
  if (typeof (model as { load?: unknown }).load === 'function') {
    return defineModelPlugin(model as Omit<ModelPlugin<O>, 'kind'>);
  }
  return codeModel(model as CodeModel);
}

function codeModel(model: CodeModel): LoadedModel {
  const names = model.outputNames ?? ['output'];
  const outputs: ModelOutputInfo[] = names.map((name) => ({
    name,
    shape: [],
    scores: model.scores ?? 'pre-softmax',
    note: 'code-defined model: scores as its predict() returns them',
  }));
  return {
    inputShape: model.inputShape,
    outputs,
    classNames: model.classNames,
    layers: () => [],
    forward(x, options) {
      if (options?.hooks && Object.keys(options.hooks).length > 0) {
        throw new GradlensError('code-defined models do not support layer hooks; wrap a LayersModel instead');
      }
      const result = model.predict(x);
      if (result instanceof tf.Tensor) return { [names[0]]: result };
      if (Array.isArray(result)) {
        if (result.length !== names.length) {
          throw new GradlensError(
            `predict() returned ${result.length} outputs but outputNames lists ${names.length}`,
          );
        }
        return Object.fromEntries(result.map((t, i) => [names[i], t]));
      }
      return result;
    },
    dispose: () => model.dispose?.(),
    describe: () => ({ format: 'code' }),
    differentiable: model.differentiable,
  };
}

/**
 * Accepts what a user has at hand (a LoadedModel, a tfjs LayersModel or GraphModel, or a
 * CodeModel) and returns a LoadedModel.
 */
export function toLoadedModel(model: unknown): LoadedModel {
  if (model instanceof tf.LayersModel) return fromLayersModel(model);
  if (model instanceof tf.GraphModel) return fromGraphModel(model);
  const m = model as Partial<LoadedModel & CodeModel> | null;
  if (m && typeof m.forward === 'function' && Array.isArray(m.outputs)) return m as LoadedModel;
  if (m && typeof m.predict === 'function' && Array.isArray(m.inputShape)) return codeModel(m as CodeModel);
  throw new GradlensError(
    'not a model: expected a tfjs LayersModel or GraphModel, a LoadedModel, or { inputShape, predict(x) }',
  );
}
