/**
 * Native kernels for tfjs-backend-wasm: the convolutions (plain, depthwise, fused with bias and
 * activation), their input gradients, matrix products, max- and average-pool gradients, inference
 * batch norm, slices and constant padding run through the native addon (oneDNN and plain C++) on
 * the tensors in wasm's heap, in place. Each wrapper falls back to the kernel registered before it
 * (tfjs's or gradlens's wasm kernel) for what it does not cover (NCHW, prelu, other dtypes,
 * broadcasts oneDNN cannot express). Installed by
 * `initBackend` when the addon is built; {@link setNativeKernels} turns them off and on again.
 */
import type { ConvAttrs } from '../../tensor/conv-info.ts';
import { tf } from '../../tensor/tf.ts';
import { loadNative, type NativeAddon } from './addon.ts';
import { activationCode, convShape, matmulOutShape, matmulShape, type PoolAttrs, poolShape } from './shapes.ts';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Info = tf.TensorInfo;

/** The BackendWasm methods used here (public in its JS, not in tfjs-core's types). */
interface WasmHeap {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): Float32Array | Int32Array;
}

/** The wasm heap, and `make` to allocate outputs there (freed again if the native call throws). */
interface Heap {
  make(shape: number[], dtype?: 'float32' | 'int32'): Info;
  /** The tensor's elements in place; int32 tensors as the same 4-byte elements (for copies only). */
  view(info: Info): Float32Array;
}

/** A native attempt: the output, or undefined to run the previous kernel. */
type Attempt = (native: NativeAddon, heap: Heap, inputs: Record<string, Info>, attrs: Record<string, unknown>) =>
  | Info
  | undefined;

const float32 = (...infos: (Info | undefined)[]) => infos.every((t) => !t || t.dtype === 'float32');
const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

/**
 * Whether `bias` is added the way the native kernels add it: `n` values along the last axis
 * ([n], [1, n], ...), or one value when `scalar`, and of no higher rank than the output. A [n, 1]
 * bias holds n values too but broadcasts down the rows.
 */
function rowBias(bias: Info, n: number, outRank: number, scalar: boolean): boolean {
  if (bias.shape.length > outRank) return false;
  if (scalar && size(bias.shape) === 1) return true;
  return size(bias.shape) === n && bias.shape[bias.shape.length - 1] === n;
}

/** Conv2D, FusedConv2D, DepthwiseConv2dNative and FusedDepthwiseConv2D. */
function convolution(depthwise: boolean): Attempt {
  return (native, heap, inputs, attrs) => {
    const { x, filter, bias, preluActivationWeights } = inputs;
    const act = activationCode(attrs.activation as string | undefined);
    if (!float32(x, filter, bias) || preluActivationWeights || act === undefined) return undefined;
    const shape = convShape(x.shape, filter.shape, attrs as unknown as ConvAttrs, depthwise);
    if (!shape || (bias && !rowBias(bias, shape[6], 4, false))) return undefined;
    const out = heap.make([shape[0], shape[7], shape[8], shape[6]]);
    // Views after makeOutput: allocating may grow (and detach) the wasm memory.
    native.conv2d(
      heap.view(x),
      heap.view(filter),
      bias ? heap.view(bias) : null,
      heap.view(out),
      shape,
      act,
      Number(attrs.leakyreluAlpha ?? 0.2),
    );
    return out;
  };
}

/** Conv2DBackpropInput and DepthwiseConv2dNativeBackpropInput. */
function convInputGradient(depthwise: boolean): Attempt {
  return (native, heap, inputs, attrs) => {
    const { dy, filter } = inputs;
    if (!float32(dy, filter)) return undefined;
    const inputShape = attrs.inputShape as number[];
    const shape = convShape(inputShape, filter.shape, attrs as unknown as ConvAttrs, depthwise);
    if (!shape || shape[7] !== dy.shape[1] || shape[8] !== dy.shape[2]) return undefined;
    const out = heap.make(inputShape);
    native.convBackwardData(
      heap.view(dy),
      heap.view(filter),
      heap.view(out),
      shape,
    );
    return out;
  };
}

/** BatchMatMul and _FusedMatMul. */
const matrixProduct: Attempt = (native, heap, inputs, attrs) => {
  const { a, b, bias, preluActivationWeights } = inputs;
  const act = activationCode(attrs.activation as string | undefined);
  if (!float32(a, b, bias) || preluActivationWeights || act === undefined) return undefined;
  const shape = matmulShape(a.shape, b.shape, Boolean(attrs.transposeA), Boolean(attrs.transposeB));
  if (!shape) return undefined;
  const n = shape[2];
  const outShape = matmulOutShape(a.shape, b.shape, shape);
  if (bias && !rowBias(bias, n, outShape.length, true)) return undefined;
  const out = heap.make(outShape);
  const c = heap.view(out);
  native.matmul(heap.view(a), heap.view(b), c, shape);
  if (bias || act !== 0) {
    native.biasActivation(
      c,
      bias ? heap.view(bias) : null,
      size(outShape) / n,
      n,
      act,
      Number(attrs.leakyreluAlpha ?? 0.2),
    );
  }
  return out;
};

/** MaxPoolGrad (reads the pooled input for the argmax) and AvgPoolGrad (dy alone). */
function poolGradient(kind: 'max' | 'avg'): Attempt {
  return (native, heap, inputs, attrs) => {
    const { dy, input } = inputs;
    if (!float32(dy, input) || input.shape.length !== 4) return undefined;
    const shape = poolShape(input.shape, attrs as unknown as PoolAttrs);
    const out = heap.make(input.shape);
    if (kind === 'max') native.maxPoolGrad(heap.view(input), heap.view(dy), heap.view(out), shape);
    else native.avgPoolGrad(heap.view(dy), heap.view(out), shape);
    return out;
  };
}

const batchNorm: Attempt = (native, heap, inputs, attrs) => {
  const { x, mean, variance, offset, scale } = inputs;
  if (!float32(x, mean, variance, offset, scale) || x.shape.length < 1) return undefined;
  const channels = x.shape[x.shape.length - 1];
  const fits = (t: Info | undefined) => !t || size(t.shape) === channels || size(t.shape) === 1;
  if (![mean, variance, offset, scale].every(fits)) return undefined;
  const out = heap.make(x.shape);
  const view = (t: Info | undefined) => (t ? heap.view(t) : null);
  native.batchNorm(
    heap.view(x),
    heap.view(mean),
    heap.view(variance),
    view(offset),
    view(scale),
    heap.view(out),
    channels,
    Number(attrs.varianceEpsilon ?? 0.001),
  );
  return out;
};

/** [rank, shape..., a..., b...], the axes record of the addon's slice and pad. */
const axes = (shape: number[], a: number[], b: number[]) => Int32Array.from([shape.length, ...shape, ...a, ...b]);

/** Slices and padding copy 4-byte elements, so int32 tensors take the same path. */
const fourBytes = (t: Info) => t.dtype === 'float32' || t.dtype === 'int32';

const sliceKernel: Attempt = (native, heap, inputs, attrs) => {
  const { x } = inputs;
  if (!fourBytes(x) || x.shape.length > 8) return undefined;
  const [begin, sizes] = tf.slice_util.parseSliceParams(
    x,
    attrs.begin as number | number[],
    attrs.size as number | number[],
  );
  const out = heap.make(sizes, x.dtype as 'float32' | 'int32');
  native.slice(heap.view(x), heap.view(out), axes(x.shape, begin, sizes));
  return out;
};

const padKernel: Attempt = (native, heap, inputs, attrs) => {
  const { x } = inputs;
  const paddings = attrs.paddings as [number, number][];
  const value = Number(attrs.constantValue ?? 0);
  if (!fourBytes(x) || x.shape.length > 8 || paddings.length !== x.shape.length) return undefined;
  // The constant is written as a float32; for int32 only 0 has the same bits.
  if (x.dtype === 'int32' && value !== 0) return undefined;
  const out = heap.make(x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]), x.dtype as 'float32' | 'int32');
  const before = paddings.map((p) => p[0]);
  const after = paddings.map((p) => p[1]);
  native.pad(heap.view(x), heap.view(out), axes(x.shape, before, after), value);
  return out;
};

const ATTEMPTS: Record<string, Attempt> = {
  Conv2D: convolution(false),
  FusedConv2D: convolution(false),
  DepthwiseConv2dNative: convolution(true),
  FusedDepthwiseConv2D: convolution(true),
  Conv2DBackpropInput: convInputGradient(false),
  DepthwiseConv2dNativeBackpropInput: convInputGradient(true),
  BatchMatMul: matrixProduct,
  _FusedMatMul: matrixProduct,
  MaxPoolGrad: poolGradient('max'),
  AvgPoolGrad: poolGradient('avg'),
  FusedBatchNorm: batchNorm,
  Slice: sliceKernel,
  PadV2: padKernel,
};

/** Kernel names with a native implementation (for the backend description and tests). */
export const NATIVE_KERNELS = Object.keys(ATTEMPTS);

/** Calls that fell back to the previous kernel, by kernel name (tests assert on it). */
export const nativeFallbacks: Record<string, number> = {};

const previous = new Map<string, tf.KernelConfig>();
let active = false;

/**
 * Installs (true) or removes (false) the native kernels on the wasm backend; returns whether they
 * are installed afterwards (false when the addon is unavailable: see `loadNative().reason`).
 * `threads` sets the addon's OpenMP threads for the calling JS thread (default 1: parallelism
 * comes from workers).
 */
export function setNativeKernels(on: boolean, threads = 1): boolean {
  const { addon } = loadNative();
  if (!on || !addon) {
    if (active) {
      for (const [name, config] of previous) {
        tf.unregisterKernel(name, 'wasm');
        tf.registerKernel(config);
      }
      previous.clear();
      active = false;
    }
    return false;
  }
  addon.setThreads(threads);
  if (active) return true;
  for (const [name, attempt] of Object.entries(ATTEMPTS)) {
    const before = tf.getKernel(name, 'wasm');
    if (!before) continue;
    previous.set(name, before);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: wrap(name, attempt, addon, before.kernelFunc),
    });
  }
  active = true;
  return true;
}

/** Whether the native kernels are installed now. */
export function nativeKernelsActive(): boolean {
  return active;
}

/** The last error of a native call, by kernel name (the call then fell back). */
export const nativeErrors: Record<string, string> = {};

function wrap(name: string, attempt: Attempt, addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as unknown as WasmHeap & { disposeData(dataId: object): void };
    const made: Info[] = [];
    const heap: Heap = {
      make: (shape, dtype = 'float32') => {
        const out = backend.makeOutput(shape, dtype);
        made.push(out);
        return out;
      },
      view: (info) => {
        const v = backend.typedArrayFromHeap(info);
        return v instanceof Float32Array ? v : new Float32Array(v.buffer, v.byteOffset, v.length);
      },
    };
    try {
      const result = attempt(
        addon,
        heap,
        args.inputs as Record<string, Info>,
        (args.attrs ?? {}) as Record<string, unknown>,
      );
      if (result) return result;
    } catch (error) {
      for (const out of made) backend.disposeData(out.dataId);
      nativeErrors[name] = error instanceof Error ? error.message : String(error);
    }
    nativeFallbacks[name] = (nativeFallbacks[name] ?? 0) + 1;
    return fallback(args);
  };
}
