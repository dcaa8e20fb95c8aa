import type { AttributionPlugin } from '../../core/index.ts';
import { noiseTunnel, type NoiseTunnelOptions, noiseTunnelPlugin } from './noise-tunnel.ts';

/**
 * SmoothGrad-Squared (Hooker et al. 2019): the mean of the squared `base` map (the class-score
 * gradient by default) over `samples` noisy copies, as for `smoothgrad`. Non-negative, of the
 * input's shape.
 */
export const smoothgradSquared: AttributionPlugin<NoiseTunnelOptions> = {
  kind: 'attribution',
  name: 'smoothgrad-squared',
  description: 'Mean square of a base method (the gradient by default) over noisy copies (non-negative).',
  reference: 'Hooker, Erhan, Kindermans & Kim 2019, A Benchmark for Interpretability Methods in Deep Neural Networks',
  ...noiseTunnelPlugin,
  signed: false,
  attribute: (input, options) => noiseTunnel(input, options, 'mean-square'),
};

export default smoothgradSquared;
