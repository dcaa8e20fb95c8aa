/**
 * tfjs kernel attributes turned into the shape records the native kernels read (Int32Arrays in
 * the field order of src/kernels.h), or undefined where a native kernel does not apply (NCHW,
 * padding oneDNN cannot express); the caller then runs the kernel that was registered before.
 */
import { type ConvAttrs, convInfo } from '../../tensor/conv-info.ts';
import { tf } from '../../tensor/tf.ts';

const channelsLast = (format: ConvAttrs['dataFormat']) =>
  format === undefined || format === 'NHWC' || format === 'channelsLast';

/**
 * `ConvShape` for an NHWC convolution of `inputShape` with `filterShape` ([KH, KW, C, CO], or
 * [KH, KW, C, M] when depthwise). oneDNN needs floor((H + top + bottom - effective KH) / stride) + 1
 * to be the output height, so bottom/right are derived from the output size; where the last rows
 * or columns are never read (strided 'valid', or 'same' whose padding tfjs clamps at 0) that would
 * be negative, and 0 gives the same output size.
 */
export function convShape(
  inputShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
  depthwise: boolean,
): Int32Array | undefined {
  if (!channelsLast(attrs.dataFormat) || inputShape.length !== 4 || filterShape.length !== 4) return undefined;
  const info = convInfo(inputShape, filterShape, attrs, depthwise);
  const { top, left } = info.padInfo;
  const bottom = Math.max(
    0,
    (info.outHeight - 1) * info.strideHeight + info.effectiveFilterHeight - info.inHeight - top,
  );
  const right = Math.max(0, (info.outWidth - 1) * info.strideWidth + info.effectiveFilterWidth - info.inWidth - left);
  if (top < 0 || left < 0 || info.outHeight < 1 || info.outWidth < 1) return undefined;
  return Int32Array.from([
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outChannels,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    top,
    left,
    bottom,
    right,
    depthwise ? info.inChannels : 1,
  ]);
}

export interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** `PoolShape` [n, h, w, c, oh, ow, fh, fw, sh, sw, top, left] of an NHWC max or average pool. */
export function poolShape(inputShape: number[], attrs: PoolAttrs): Int32Array {
  const info = tf.backend_util.computePool2DInfo(
    inputShape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  return Int32Array.from([
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ]);
}

/** Activation codes of src/kernels.h; undefined for ones the native kernels do not fuse (prelu). */
export function activationCode(name: string | undefined | null): number | undefined {
  const codes: Record<string, number> = { linear: 0, relu: 1, relu6: 2, sigmoid: 3, elu: 4, leakyrelu: 5 };
  return codes[(name ?? 'linear').toLowerCase()];
}

/**
 * The `matmul` shape record [batch, m, n, k, transA, transB, strideA, strideB] of a BatchMatMul,
 * where both operands have the same batch or one has a single matrix; undefined otherwise.
 */
export function matmulShape(
  a: number[],
  b: number[],
  transposeA: boolean,
  transposeB: boolean,
): Int32Array | undefined {
  if (a.length < 2 || b.length < 2) return undefined;
  const [ar, ac] = a.slice(-2);
  const [br, bc] = b.slice(-2);
  const [m, k] = transposeA ? [ac, ar] : [ar, ac];
  const [k2, n] = transposeB ? [bc, br] : [br, bc];
  if (k !== k2) return undefined;
  const batchA = a.slice(0, -2).reduce((p, d) => p * d, 1);
  const batchB = b.slice(0, -2).reduce((p, d) => p * d, 1);
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  if (batchA === batchB && batchA > 1 && a.slice(0, -2).join() !== b.slice(0, -2).join()) return undefined;
  const batch = Math.max(batchA, batchB);
  return Int32Array.from([
    batch,
    m,
    n,
    k,
    transposeA ? 1 : 0,
    transposeB ? 1 : 0,
    batchA === 1 ? 0 : m * k,
    batchB === 1 ? 0 : k * n,
  ]);
}

/** The output shape of a BatchMatMul: the operands' broadcast batch dimensions, then [m, n]. */
export function matmulOutShape(a: number[], b: number[], shape: Int32Array): number[] {
  const batchDims = tf.backend_util.assertAndGetBroadcastShape(a.slice(0, -2), b.slice(0, -2));
  return [...batchDims, shape[1], shape[2]];
}
