/**
 * Gradients gradlens registers in place of tfjs's for batch norm, Relu, Relu6 and ClipByValue: the same
 * values (to float32 rounding), fewer full-size passes. Registered once by `initBackend`, for every
 * backend (a gradient is backend-independent; the one-pass ReLU kernel is used where registered).
 *
 * - FusedBatchNorm: tfjs computes dx = dy * tile(rsqrt(var + eps), x.shape) * scale, materialising
 *   the per-channel factor at the activation's full size (`Tile` was ~48% of a MobileNetV2
 *   gradient on wasm). Here dx = dy * (scale * rsqrt(var + eps)): a `[C]` factor broadcast over
 *   the channel axis, one full-size multiply. The other derivatives (mean, variance, scale,
 *   offset) are tfjs's, computed only when asked for (training), so nothing changes there.
 *   This is the exact derivative of the kernel with respect to `x` in every mode: tfjs passes
 *   batch statistics as inputs, and their dependence on x reaches x through their own gradients.
 * - Relu, Relu6, ClipByValue: dx = dy where x is inside the op's linear range, one kernel
 *   (core/engine/wasm/mask-grad.ts: SIMD on wasm) instead of three to five full passes; backends
 *   without it (tfjs-node) keep the stock ops.
 */
import { tf } from '../tensor/tf.ts';
import { hasMaskGrad, MASK_GRAD, type MaskGradAttrs } from './wasm/mask-grad.ts';

let done = false;

/** The stock gradient configs, kept as the reference for tests (and to restore them). */
export const stockGradients: Record<string, tf.GradConfig | undefined> = {};

/** Registers the gradients (idempotent). */
export function registerGradients(): void {
  if (done) return;
  done = true;
  for (const config of [batchNormGrad, reluGrad('Relu', Infinity), reluGrad('Relu6', 6), clipGrad]) {
    stockGradients[config.kernelName] = tf.getGradient(config.kernelName);
    tf.registerGradient(config);
  }
}

/** Puts tfjs's own gradients back (tests compare against them); `registerGradients` redoes it. */
export function restoreStockGradients(): void {
  if (!done) return;
  done = false;
  for (const config of Object.values(stockGradients)) if (config) tf.registerGradient(config);
}

/** dx = dy masked to the interval of `x` where the op is the identity; one kernel where registered. */
function maskGrad(g: tf.Tensor, x: tf.Tensor, attrs: MaskGradAttrs, stock: () => tf.Tensor): tf.Tensor {
  if (x.dtype !== 'float32' || g.dtype !== 'float32' || !hasMaskGrad()) return stock();
  return tf.engine().runKernel(MASK_GRAD, { dy: g, x }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

function reluGrad(kernelName: 'Relu' | 'Relu6', hi: number): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const g = dy as tf.Tensor;
      const stock = () => {
        const mask = hi === Infinity ? tf.step(x) : tf.mul(tf.lessEqual(x, hi), tf.step(x));
        return tf.mul(g, tf.cast(mask, 'float32'));
      };
      return { x: () => maskGrad(g, x, { lo: 0, hi, loInclusive: false, nanOut: true }, stock) };
    },
  };
}

const clipGrad: tf.GradConfig = {
  kernelName: 'ClipByValue',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const g = dy as tf.Tensor;
    const { clipValueMin: lo, clipValueMax: hi } = attrs as { clipValueMin: number; clipValueMax: number };
    const stock = () => tf.where(tf.logicalAnd(tf.greaterEqual(x, lo), tf.lessEqual(x, hi)), g, tf.zerosLike(g));
    return { x: () => maskGrad(g, x, { lo, hi, loInclusive: true, nanOut: false }, stock) };
  },
};

const batchNormGrad: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const g = dy as tf.Tensor;
    const eps = (attrs as { varianceEpsilon: number }).varianceEpsilon;
    const [x, mean, variance, scale] = saved;
    const scaleValue = scale ?? tf.scalar(1);
    const rsqrt = () => tf.rsqrt(tf.add(variance, tf.scalar(eps)));
    // Per-channel statistics `[C]` broadcast over the last axis; full-shape ones elementwise.
    const perChannel = mean.rank === 1;
    const axes = perChannel ? tf.backend_util.getReductionAxes(mean.shape, x.shape) : [];
    const reduce = (t: tf.Tensor) => tf.reshape(perChannel ? tf.sum(t, axes) : t, mean.shape);
    return {
      x: () => tf.reshape(tf.mul(g, tf.mul(rsqrt(), scaleValue)), x.shape),
      mean: () => reduce(tf.mul(tf.mul(rsqrt(), -1), tf.mul(g, scaleValue))),
      variance: () => {
        const r = rsqrt();
        const minusHalfRCube = tf.mul(tf.mul(tf.mul(r, r), r), -0.5);
        return reduce(tf.mul(tf.mul(minusHalfRCube, tf.sub(x, mean)), tf.mul(g, scaleValue)));
      },
      scale: () => reduce(tf.mul(g, tf.mul(tf.sub(x, mean), rsqrt()))),
      offset: () => reduce(g),
    };
  },
};
