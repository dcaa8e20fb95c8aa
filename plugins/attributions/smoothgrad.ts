import type { AttributionPlugin } from '../../core/index.ts';
import { noiseTunnel, type NoiseTunnelOptions, noiseTunnelPlugin } from './noise-tunnel.ts';

/**
 * SmoothGrad (Smilkov et al. 2017): the mean of the `base` method's map (the class-score gradient
 * by default; any method that needs gradients, e.g. `integrated-gradients`) over `samples` copies
 * x + N(0, sigma^2), sigma = `noise` * (max - min) of each input. Signed, of the input's shape;
 * |.| and max over channels by default, like vanilla gradients. With `noise: 0` it is the base.
 */
export const smoothgrad: AttributionPlugin<NoiseTunnelOptions> = {
  kind: 'attribution',
  name: 'smoothgrad',
  description:
    'Mean of a base method (the gradient by default) over noisy copies of the input; |.| and max by default.',
  reference: 'Smilkov, Thorat, Kim, Viégas & Wattenberg 2017, SmoothGrad: removing noise by adding noise',
  ...noiseTunnelPlugin,
  signed: true,
  defaults: { abs: true },
  attribute: (input, options) => noiseTunnel(input, options, 'mean'),
};

export default smoothgrad;
