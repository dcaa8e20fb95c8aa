import { z } from 'zod';
import { type AttributionPlugin, inputGradient, tf } from '../../core/index.ts';

/**
 * Gradient x input (Shrikumar et al. 2016): the elementwise product x * dS_c/dx, signed, of the
 * input's shape. For a linear score S_c = W[c] . x + b it is each feature's exact contribution
 * W[c]_i x_i. By default the run keeps the sign and sums over colour channels (`[N, H, W]`).
 */
export const gradientXInput: AttributionPlugin<Record<string, never>> = {
  kind: 'attribution',
  name: 'gradient-x-input',
  description: 'Signed gradient of the class score times the input; summed over channels by default.',
  reference: 'Shrikumar, Greenside, Shcherbina & Kundaje 2016, Not Just a Black Box (arXiv:1605.01713)',
  options: z.object({}).strict(),
  needs: ['gradients'],
  signed: true,
  defaults: { abs: false, reduce: 'sum' },
  cost: () => ({ forward: 1, backward: 1 }),
  attribute: ({ model, x, targets, output }) => tf.tidy(() => tf.mul(inputGradient(model, x, targets, output), x)),
};

export default gradientXInput;
