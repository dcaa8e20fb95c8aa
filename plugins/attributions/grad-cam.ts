import { z } from 'zod';
import {
  type AttributionInput,
  type AttributionPlugin,
  classScores,
  GradlensError,
  type LoadedModel,
  selectTargetScores,
  tf,
} from '../../core/index.ts';

/** Grad-CAM's options: the layer whose activations are weighted. */
export interface GradCamOptions {
  layer?: string;
}

export const GradCamOptions: z.ZodType<GradCamOptions> = z
  .object({
    layer: z
      .string()
      .min(1)
      .optional()
      .describe('layer whose activations are weighted (default: the last layer with an [H, W, C] output)'),
  })
  .strict();

/** The layer Grad-CAM reads: the user's, else the last non-input layer with a spatial `[H, W, C]` output. */
export function camLayer(model: LoadedModel, requested?: string): string {
  const layers = model.layers();
  if (layers.length === 0) {
    throw new GradlensError(
      "Grad-CAM needs a model with named layers ('layer'), to read a convolutional activation; " +
        'this model has none (graph and code-defined models); use a tfjs LayersModel, or a gradient method',
      { where: 'layer' },
    );
  }
  if (requested) return requested;
  const spatial = layers.filter((l) => l.outputShape.length === 3 && l.className !== 'InputLayer');
  if (spatial.length === 0) {
    throw new GradlensError(
      `no layer has a spatial [H, W, C] output; layers: ${layers.map((l) => l.name).join(', ')}`,
      { where: 'layer' },
    );
  }
  return spatial[spatial.length - 1].name;
}

/**
 * Refuses, before a run starts, a model Grad-CAM cannot read: inputs that are not images, a
 * `layer` that does not exist, or one without a spatial `[H, W, C]` output.
 */
export function checkCamLayer(options: GradCamOptions, model: LoadedModel, sampleShape: number[]): void {
  if (sampleShape.length !== 3) {
    throw new GradlensError(`Grad-CAM needs images [H, W, C]; the samples are [${sampleShape.join(', ')}]`);
  }
  const name = camLayer(model, options.layer);
  const layers = model.layers();
  const layer = layers.find((l) => l.name === name);
  if (!layer) {
    throw new GradlensError(`no layer named '${name}'; layers: ${layers.map((l) => l.name).join(', ')}`, {
      where: 'layer',
    });
  }
  if (layer.outputShape.length !== 3) {
    throw new GradlensError(
      `layer '${name}' outputs [${layer.outputShape.join(', ')}]; Grad-CAM needs a spatial [H, W, C] activation`,
      { where: 'layer' },
    );
  }
}

/**
 * The Grad-CAM heat map of a batch of images `[N, H, W, C]`: ReLU(sum_k a_k A^k) for the layer's
 * activation A `[N, h, w, K]`, a_k the spatial mean of dS_c/dA^k, upsampled bilinearly (half-pixel
 * centres) to `[N, H, W, 1]`. Non-negative.
 */
export function gradCamMap({ model, x, targets, output }: AttributionInput, options: GradCamOptions): tf.Tensor {
  if (x.rank !== 4) {
    throw new GradlensError(`Grad-CAM needs images [N, H, W, C]; got inputs of shape [${x.shape.join(', ')}]`);
  }
  const layer = camLayer(model, options.layer);
  // The activation's shape, for the zero probe whose gradient is dS_c/dA.
  const shape = tf.tidy(() => {
    let seen: number[] = [];
    classScores(model, x, output, { hooks: { [layer]: (a) => ((seen = a.shape), a) } });
    return seen;
  });
  if (shape.length !== 4) {
    throw new GradlensError(
      `layer '${layer}' outputs shape [${shape.slice(1).join(', ')}]; Grad-CAM needs a spatial [H, W, C] activation`,
      { where: 'layer' },
    );
  }
  let activation: tf.Tensor | undefined;
  const probe = tf.zeros(shape);
  try {
    return tf.tidy(() => {
      const score = (p: tf.Tensor) => {
        const hook = (a: tf.Tensor) => {
          activation = tf.keep(a);
          return tf.add(a, p);
        };
        return tf.sum(selectTargetScores(classScores(model, x, output, { hooks: { [layer]: hook } }), targets));
      };
      const gradient = tf.grad(score)(probe);
      const weights = tf.mean(gradient, [1, 2], true);
      const cam = tf.relu(tf.sum(tf.mul(weights, activation!), 3, true)) as tf.Tensor4D;
      return tf.image.resizeBilinear(cam, [x.shape[1]!, x.shape[2]!], false, true);
    });
  } finally {
    tf.dispose(activation ? [probe, activation] : [probe]);
  }
}

/**
 * Grad-CAM (Selvaraju et al. 2017): class activation maps of a convolutional layer weighted by
 * the spatially averaged gradient of the class score, ReLU, upsampled bilinearly to the input and
 * repeated over its channels, so the map has the input's shape `[N, H, W, C]`. Non-negative.
 */
export const gradCam: AttributionPlugin<GradCamOptions> = {
  kind: 'attribution',
  name: 'grad-cam',
  description: 'Gradient-weighted activations of a convolutional layer, upsampled to the input (non-negative).',
  reference: 'Selvaraju, Cogswell, Das, Vedantam, Parikh & Batra 2017, Grad-CAM',
  options: GradCamOptions,
  needs: ['gradients', 'layer'],
  check: checkCamLayer,
  signed: false,
  cost: () => ({ forward: 2, backward: 1 }),
  attribute: (input, options) => tf.tidy(() => tf.broadcastTo(gradCamMap(input, options), input.x.shape)),
};

export default gradCam;
