import type { AttributionPlugin } from '../../core/plugins/types.ts';
import { noiseTunnel, NoiseTunnelOptions } from './noise-tunnel.ts';

/**
 * SmoothGrad-Squared (Hooker et al. 2019): the mean of the squared class-score gradient over
 * `samples` noisy copies, as for `smoothgrad`. Non-negative, of the input's shape.
 */
export const smoothgradSquared: AttributionPlugin<NoiseTunnelOptions> = {
  kind: 'attribution',
  name: 'smoothgrad-squared',
  description: 'Mean squared gradient over noisy copies of the input (non-negative).',
  reference: 'Hooker, Erhan, Kindermans & Kim 2019, A Benchmark for Interpretability Methods in Deep Neural Networks',
  options: NoiseTunnelOptions,
  needs: ['gradients'],
  signed: false,
  cost: (o) => ({ forward: o.samples, backward: o.samples }),
  attribute: (input, options) => noiseTunnel(input, options, 'mean-square'),
};

export default smoothgradSquared;
