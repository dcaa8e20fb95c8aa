import type { AttributionPlugin } from '../../core/index.ts';
import { noiseTunnel, type NoiseTunnelOptions, noiseTunnelPlugin } from './noise-tunnel.ts';

/**
 * VarGrad (Adebayo et al. 2018): the variance of the `base` map (the class-score gradient by
 * default; e.g. `guided-backprop`) over `samples` noisy copies, as for `smoothgrad`. Non-negative,
 * of the input's shape; zero when `noise` is 0.
 */
export const vargrad: AttributionPlugin<NoiseTunnelOptions> = {
  kind: 'attribution',
  name: 'vargrad',
  description: 'Variance of a base method (the gradient by default) over noisy copies (non-negative).',
  reference:
    'Adebayo, Gilmer, Goodfellow & Kim 2018, Local Explanation Methods for Deep Neural Networks Lack Sensitivity to Parameter Values',
  ...noiseTunnelPlugin,
  signed: false,
  attribute: (input, options) => noiseTunnel(input, options, 'variance'),
};

export default vargrad;
