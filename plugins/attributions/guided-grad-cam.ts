import { type AttributionPlugin, tf } from '../../core/index.ts';
import { checkCamLayer, gradCamMap, GradCamOptions } from './grad-cam.ts';
import { guidedGradient } from './guided-backprop.ts';

/**
 * Guided Grad-CAM (Selvaraju et al. 2017): guided backpropagation multiplied elementwise by the
 * Grad-CAM map (repeated over channels), keeping fine detail only where the class is located.
 * Signed like guided backprop, of the input's shape; |.| and max over channels by default.
 */
export const guidedGradCam: AttributionPlugin<GradCamOptions> = {
  kind: 'attribution',
  name: 'guided-grad-cam',
  description: 'Guided backprop times the Grad-CAM map; |.| and max over channels by default.',
  reference: 'Selvaraju, Cogswell, Das, Vedantam, Parikh & Batra 2017, Grad-CAM',
  options: GradCamOptions,
  needs: ['gradients', 'layer'],
  check: checkCamLayer,
  signed: true,
  defaults: { abs: true },
  cost: () => ({ forward: 3, backward: 2 }),
  attribute: (input, options) => {
    const cam = gradCamMap(input, options);
    try {
      return tf.tidy(() => tf.mul(guidedGradient(input), cam));
    } finally {
      cam.dispose();
    }
  },
};

export default guidedGradCam;
