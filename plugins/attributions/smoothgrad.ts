import type { AttributionPlugin } from '../../core/plugins/types.ts';
import { noiseTunnel, NoiseTunnelOptions } from './noise-tunnel.ts';

/**
 * SmoothGrad (Smilkov et al. 2017): the mean of the class-score gradient over `samples` copies
 * x + N(0, sigma^2), sigma = `noise` * (max - min) of each input. Signed, of the input's shape;
 * |.| and max over channels by default, like vanilla gradients. With `noise: 0` it is the gradient.
 */
export const smoothgrad: AttributionPlugin<NoiseTunnelOptions> = {
  kind: 'attribution',
  name: 'smoothgrad',
  description: 'Mean gradient over noisy copies of the input; |.| and max over channels by default.',
  reference: 'Smilkov, Thorat, Kim, Viégas & Wattenberg 2017, SmoothGrad: removing noise by adding noise',
  options: NoiseTunnelOptions,
  needs: ['gradients'],
  signed: true,
  defaults: { abs: true },
  cost: (o) => ({ forward: o.samples, backward: o.samples }),
  attribute: (input, options) => noiseTunnel(input, options, 'mean'),
};

export default smoothgrad;
