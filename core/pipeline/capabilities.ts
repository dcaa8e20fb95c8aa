import { inputGradient } from '../attribution/scores.ts';
import { tf } from '../tensor/tf.ts';
import type { LoadedModel } from '../plugins/types.ts';
import type { Capability, ModelCapabilities } from './needs.ts';

/**
 * Measures a model's capabilities for the head `output`: `gradients` by one input gradient of
 * class 0 on a zero sample of `sampleShape` (skipped when the model declares itself not
 * differentiable, or when the shape is unknown), `layer` from the named layers with a spatial
 * output. Leaves no tensor behind.
 */
export function modelCapabilities(
  model: LoadedModel,
  sampleShape: (number | null)[],
  output: string,
): ModelCapabilities {
  const layers = model.layers();
  const spatialLayers = layers
    .filter((l) => l.outputShape.length === 3 && l.className !== 'InputLayer')
    .map((l) => l.name);
  const layer: Capability = spatialLayers.length > 0 ? { ok: true } : {
    ok: false,
    reason: layers.length === 0
      ? 'the model exposes no named layers (graph and code-defined models); use a tfjs LayersModel'
      : `no layer has a spatial [H, W, C] output (layers: ${layers.map((l) => l.name).join(', ')})`,
  };
  return {
    gradients: gradientCapability(model, sampleShape, output),
    layer,
    'forward-only': { ok: true },
    weights: model.weightedLayers?.().length ? { ok: true } : {
      ok: false,
      reason: 'the model exposes no weighted layers to randomise (a tfjs LayersModel does)',
    },
    spatialLayers,
  };
}

function gradientCapability(model: LoadedModel, sampleShape: (number | null)[], output: string): Capability {
  if (model.differentiable === false) {
    return { ok: false, reason: 'the model declares that gradients do not flow through it (differentiable: false)' };
  }
  if (sampleShape.some((d) => d === null || d < 0)) return { ok: true, reason: 'unchecked: the input size is unknown' };
  try {
    const finite = tf.tidy(() => {
      const g = inputGradient(model, tf.zeros([1, ...(sampleShape as number[])]), tf.tensor1d([0], 'int32'), output);
      return tf.all(tf.isFinite(g)).dataSync()[0] === 1;
    });
    return finite ? { ok: true } : { ok: false, reason: 'its input gradient is not finite at a zero input' };
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    return { ok: false, reason: `its input gradient cannot be computed (${message})` };
  }
}
