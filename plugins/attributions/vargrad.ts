import type { AttributionPlugin } from '../../core/plugins/types.ts';
import { noiseTunnel, NoiseTunnelOptions } from './noise-tunnel.ts';

/**
 * VarGrad (Adebayo et al. 2018): the variance of the class-score gradient over `samples` noisy
 * copies, as for `smoothgrad`. Non-negative, of the input's shape; zero when `noise` is 0.
 */
export const vargrad: AttributionPlugin<NoiseTunnelOptions> = {
  kind: 'attribution',
  name: 'vargrad',
  description: 'Variance of the gradient over noisy copies of the input (non-negative).',
  reference:
    'Adebayo, Gilmer, Goodfellow & Kim 2018, Local Explanation Methods for Deep Neural Networks Lack Sensitivity to Parameter Values',
  options: NoiseTunnelOptions,
  needs: ['gradients'],
  signed: false,
  cost: (o) => ({ forward: o.samples, backward: o.samples }),
  attribute: (input, options) => noiseTunnel(input, options, 'variance'),
};

export default vargrad;
