import type { tf } from '../tensor/tf.ts';
import { splitFusedLayers } from '../engine/input-gradients.ts';
import { GradlensError } from '../errors/errors.ts';
import type { ForwardOptions, LayerInfo, LoadedModel, ModelOutputInfo } from '../plugins/types.ts';

/** Internals of tfjs-layers objects that gradlens reads (public in the JS, untyped in the .d.ts). */
interface LayerInternals {
  name: string;
  getClassName(): string;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
  activation?: { apply(x: tf.Tensor): tf.Tensor; getClassName(): string };
  outputShape: unknown;
  countParams(): number;
  weights: { name: string; shape: number[]; read(): tf.Tensor; write(value: tf.Tensor): unknown }[];
}

export interface LayersAdapterOptions {
  /** Class names of the class-score head. */
  classNames?: string[];
  /**
   * `pre-softmax` (default): an output layer with a softmax activation (or a Softmax/Activation
   * layer) is evaluated without it, so gradients are of unnormalised class scores.
   * `as-is`: outputs are used as the model computes them.
   */
  scores?: 'pre-softmax' | 'as-is';
  /** Facts for the manifest (e.g. the file the model came from). */
  describe?: Record<string, unknown>;
}

const IDENTITY = { apply: (x: tf.Tensor) => x, getClassName: () => 'linear' };

/**
 * Adapts a tfjs LayersModel (Sequential or functional) to gradlens. Forward passes run in
 * inference mode; softmax on output layers is bypassed by default (recorded per output); hooks
 * wrap a named layer's output for the duration of one pass, without editing the model.
 */
export function fromLayersModel(model: tf.LayersModel, options: LayersAdapterOptions = {}): LoadedModel {
  const mode = options.scores ?? 'pre-softmax';
  const outputLayers = model.outputs.map((o) => o.sourceLayer as unknown as LayerInternals);
  const names = model.outputs.map((_, i) => model.outputNames?.[i] ?? outputLayers[i].name);
  const bypass = new Set<LayerInternals>();
  const outputs: ModelOutputInfo[] = model.outputs.map((symbolic, i) => {
    const layer = outputLayers[i];
    const softmax = isSoftmax(layer);
    if (softmax && mode === 'pre-softmax') bypass.add(layer);
    return {
      name: names[i],
      shape: symbolic.shape.slice(1),
      scores: softmax ? (mode === 'pre-softmax' ? 'pre-softmax' : 'post-softmax') : 'pre-softmax',
      note: softmax
        ? mode === 'pre-softmax'
          ? `softmax of layer '${layer.name}' bypassed: scores are its pre-activation`
          : `softmax of layer '${layer.name}' kept (scores: as-is)`
        : `layer '${layer.name}' has no softmax: its output is used as the class scores`,
    };
  });
  const layers = model.layers as unknown as LayerInternals[];
  const byName = new Map(layers.map((l) => [l.name, l]));

  return {
    inputShape: model.inputs[0].shape.slice(1),
    outputs,
    classNames: options.classNames,
    layers: () =>
      layers.map((l): LayerInfo => ({
        name: l.name,
        className: l.getClassName(),
        outputShape: firstShape(l.outputShape).slice(1),
      })),
    forward(x: tf.Tensor, forwardOptions?: ForwardOptions) {
      // Under a gradient tape, fused Conv2D/Dense differentiate only with respect to their input.
      const restore: (() => void)[] = [splitFusedLayers(layers)];
      try {
        for (const layer of bypass) restore.push(withoutSoftmax(layer));
        for (const [name, hook] of Object.entries(forwardOptions?.hooks ?? {})) {
          const layer = byName.get(name);
          if (!layer) {
            throw new GradlensError(
              `no layer named '${name}'; layers: ${layers.map((l) => l.name).join(', ')}`,
              { where: 'layer' },
            );
          }
          restore.push(hookLayer(layer, hook));
        }
        const result = model.apply(x, { training: false }) as tf.Tensor | tf.Tensor[];
        const list = Array.isArray(result) ? result : [result];
        return Object.fromEntries(list.map((t, i) => [names[i], t]));
      } finally {
        for (const undo of restore.reverse()) undo();
      }
    },
    weightedLayers: () =>
      layers.filter((l) => l.weights.length > 0).map((l) => ({
        name: l.name,
        className: l.getClassName(),
        weights: l.weights.map((w) => ({
          name: w.name,
          shape: [...w.shape],
          read: () => w.read(),
          write: (value: tf.Tensor) => void w.write(value),
        })),
      })),
    dispose: () => model.dispose(),
    describe: () => ({
      format: 'tfjs-layers',
      className: model.getClassName(),
      parameters: model.countParams(),
      ...options.describe,
    }),
  };
}

function isSoftmax(layer: LayerInternals): boolean {
  if (layer.getClassName() === 'Softmax') return true;
  return layer.activation?.getClassName() === 'softmax';
}

/** Temporarily evaluates `layer` without its softmax; returns the undo. */
function withoutSoftmax(layer: LayerInternals): () => void {
  if (layer.getClassName() === 'Softmax') {
    return hookCall(layer, (inputs) => (Array.isArray(inputs) ? inputs[0] : inputs));
  }
  const original = layer.activation;
  layer.activation = IDENTITY;
  return () => {
    layer.activation = original;
  };
}

function hookLayer(layer: LayerInternals, hook: (t: tf.Tensor) => tf.Tensor): () => void {
  const original = layer.call;
  return hookCall(layer, (inputs, kwargs) => {
    const out = original.call(layer, inputs, kwargs);
    if (Array.isArray(out)) {
      throw new GradlensError(`layer '${layer.name}' has several outputs; hooks need a single output`);
    }
    return hook(out);
  });
}

function hookCall(
  layer: LayerInternals,
  replacement: (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor,
): () => void {
  const own = Object.prototype.hasOwnProperty.call(layer, 'call');
  const previous = layer.call;
  layer.call = replacement;
  return () => {
    if (own) layer.call = previous;
    else delete (layer as Partial<LayerInternals>).call;
  };
}

function firstShape(shape: unknown): (number | null)[] {
  if (Array.isArray(shape) && Array.isArray(shape[0])) return shape[0] as (number | null)[];
  return (shape as (number | null)[]) ?? [];
}
