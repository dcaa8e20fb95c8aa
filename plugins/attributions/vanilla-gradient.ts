import { z } from 'zod';
import { type AttributionPlugin, inputGradient } from '../../core/index.ts';

/**
 * Vanilla-gradient saliency (Simonyan, Vedaldi & Zisserman 2014): the gradient of the
 * unnormalised class score S_c with respect to the input, in one backward pass for the batch.
 * The raw map is signed; by default the run takes |.| and the max over colour channels, giving
 * the paper's M_ij = max_c |dS_c/dx_ijc|, shape `[N, H, W]`.
 */
export const vanillaGradient: AttributionPlugin<Record<string, never>> = {
  kind: 'attribution',
  name: 'vanilla-gradient',
  description: 'Gradient of the class score with respect to the input; |.| and max over channels by default.',
  reference: 'Simonyan, Vedaldi & Zisserman 2014, Deep Inside Convolutional Networks',
  options: z.object({}).strict(),
  needs: ['gradients'],
  signed: true,
  defaults: { abs: true },
  cost: () => ({ forward: 1, backward: 1 }),
  attribute: ({ model, x, targets, output }) => inputGradient(model, x, targets, output),
};

export default vanillaGradient;
