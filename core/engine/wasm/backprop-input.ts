/**
 * Input gradients of convolutions on wasm through the fast forward kernels (XNNPACK).
 *
 * tfjs-backend-wasm computes `Conv2DBackpropInput` with a plain loop (about 70% of a vanilla
 * gradient on a small CNN) and has no `DepthwiseConv2dNativeBackpropInput`. Both are forward
 * convolutions in disguise: dx = conv(pad(dilate(dy, strides)), flip(W)) with stride 1, where
 * `dilate` puts strides-1 zeros between output positions, the padding is (effective filter - 1 -
 * forward padding) before and whatever makes the result the input's size after, and `flip`
 * reverses the filter spatially (and, for conv2d, swaps its in/out channel axes). NHWC only;
 * other layouts use the kernel that was registered before.
 */
import { type ConvAttrs as BaseConvAttrs, convInfo } from '../../tensor/conv-info.ts';
import { tf } from '../../tensor/tf.ts';

type KernelFunc = tf.KernelConfig['kernelFunc'];

/** A convolution input gradient's attributes: the forward ones and the input's shape. */
interface ConvAttrs extends BaseConvAttrs {
  inputShape: [number, number, number, number];
}

/**
 * dy `[N, outH, outW, C]` spread to the stride grid and padded so that a stride-1 VALID
 * convolution with the flipped filter yields `[N, inH, inW, ·]`.
 */
function spreadAndPad(dy: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const [n, oh, ow, c] = dy.shape;
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  let spread: tf.Tensor4D = dy;
  // Rows/columns of zeros the stride grid leaves after the last output position; the padding
  // below accounts for them instead of slicing them off (a full copy).
  let [extraH, extraW] = [0, 0];
  if (sh > 1 || sw > 1) {
    // [N, oh, 1, ow, 1, C] padded to [N, oh, sh, ow, sw, C] puts the zeros between positions.
    const grid = tf.pad(tf.reshape(dy, [n, oh, 1, ow, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [
      0,
      0,
    ]]);
    spread = tf.reshape(grid, [n, oh * sh, ow * sw, c]) as tf.Tensor4D;
    [extraH, extraW] = [sh - 1, sw - 1];
  }
  const top = info.effectiveFilterHeight - 1 - info.padInfo.top;
  const left = info.effectiveFilterWidth - 1 - info.padInfo.left;
  const bottom = info.inHeight + info.effectiveFilterHeight - 1 - top - (spread.shape[1] - extraH);
  const right = info.inWidth + info.effectiveFilterWidth - 1 - left - (spread.shape[2] - extraW);
  // Amounts relative to `spread` (which may carry extra trailing zeros); negative ones crop.
  const [b, r] = [bottom - extraH, right - extraW];
  const padded = top > 0 || left > 0 || b > 0 || r > 0
    ? tf.pad(spread, [[0, 0], [Math.max(top, 0), Math.max(b, 0)], [Math.max(left, 0), Math.max(r, 0)], [0, 0]])
    : spread;
  if (top >= 0 && left >= 0 && b >= 0 && r >= 0) return padded;
  const h = info.inHeight + info.effectiveFilterHeight - 1;
  const w = info.inWidth + info.effectiveFilterWidth - 1;
  return tf.slice(padded, [0, Math.max(-top, 0), Math.max(-left, 0), 0], [n, h, w, c]);
}

/** The filter reversed along its spatial axes (a no-op for 1x1 filters, the common case). */
function flip(filter: tf.Tensor4D): tf.Tensor4D {
  return filter.shape[0] === 1 && filter.shape[1] === 1 ? filter : tf.reverse(filter, [0, 1]);
}

/** `Conv2DBackpropInput` as a stride-1 convolution; `fallback` handles NCHW. */
export function conv2dBackpropInput(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const attrs = args.attrs as unknown as ConvAttrs;
    if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return fallback(args);
    const { dy, filter } = args.inputs as { dy: tf.Tensor4D; filter: tf.Tensor4D };
    return tf.tidy(() => {
      const info = convInfo(attrs.inputShape, filter.shape, attrs, false);
      const flipped = tf.transpose(flip(filter), [0, 1, 3, 2]) as tf.Tensor4D;
      return tf.conv2d(spreadAndPad(dy, info), flipped, 1, 'valid', 'NHWC', [info.dilationHeight, info.dilationWidth]);
    });
  };
}

/**
 * `DepthwiseConv2dNativeBackpropInput` as a stride-1 depthwise convolution over the C*M output
 * channels, then a sum over the channel multiplier M (output channel c*M+q reads input c).
 */
export function depthwiseBackpropInput(): KernelFunc {
  return (args) => {
    const attrs = args.attrs as unknown as ConvAttrs;
    const { dy, filter } = args.inputs as { dy: tf.Tensor4D; filter: tf.Tensor4D };
    return tf.tidy(() => {
      const info = convInfo(attrs.inputShape, filter.shape, attrs, true);
      const [fh, fw, c, m] = filter.shape;
      const flipped = tf.reshape(flip(filter), [fh, fw, c * m, 1]) as tf.Tensor4D;
      const dilations: [number, number] = [info.dilationHeight, info.dilationWidth];
      const dx = tf.depthwiseConv2d(spreadAndPad(dy, info), flipped, 1, 'valid', 'NHWC', dilations);
      if (m === 1) return dx;
      const [n, h, w] = dx.shape;
      return tf.sum(tf.reshape(dx, [n, h, w, c, m]), 4);
    });
  };
}
