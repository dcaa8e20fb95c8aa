/** Helpers shared by the kernel tests in this folder. */
import { loadNative } from '../../../core/engine/native/addon.ts';
import { nativeKernelsActive, setNativeKernels } from '../../../core/engine/native/kernels.ts';
import { tf } from '../../../core/tensor/tf.ts';

/** A kernel input: values and shape (float32 unless `dtype` says otherwise). */
export type Spec = { shape: number[]; values: Float32Array | Int32Array; dtype?: 'float32' | 'int32' };

/** Runs `kernel` on `backend` with fresh tensors (absent inputs left out); returns output 0's shape and values. */
export async function runOn(
  backend: string,
  kernel: string,
  inputs: Record<string, Spec | undefined>,
  attrs: object,
): Promise<{ shape: number[]; data: number[] }> {
  await tf.setBackend(backend);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [k, s] of Object.entries(inputs)) if (s) tensors[k] = tf.tensor(s.values, s.shape, s.dtype ?? 'float32');
  const out = tf.engine().runKernel(kernel, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
  const values = { shape: out.shape, data: Array.from(await out.data()) };
  tf.dispose([...Object.values(tensors), out]);
  return values;
}

/** Max |a-b| / max(1, |b|) over elements. */
export function closeness(a: number[], b: number[]): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
}

/**
 * For suites that check gradlens's own WebAssembly kernels: turns the native (oneDNN) kernels off,
 * which `initBackend('wasm')` installs over them where the addon is built, and returns a function
 * that reinstalls them (with the same thread count) if they were on.
 */
export function withoutNativeKernels(): () => void {
  const active = nativeKernelsActive();
  const threads = loadNative().addon?.info().threads ?? 1;
  setNativeKernels(false);
  return () => {
    if (active) setNativeKernels(true, threads);
  };
}

/**
 * A [KH, KW, C, M] filter with dilation - 1 zeros between its taps, [(KH-1)*dh+1, (KW-1)*dw+1, C, M]:
 * an undilated convolution with it is the dilated one. tfjs-backend-cpu's
 * DepthwiseConv2dNativeBackpropInput ignores dilations, so references run on this instead.
 */
export function spreadFilter(values: Float32Array, shape: number[], [dh, dw]: number[]) {
  const [kh, kw, c, m] = shape;
  const spread = [(kh - 1) * dh + 1, (kw - 1) * dw + 1, c, m];
  const out = new Float32Array(spread.reduce((a, b) => a * b, 1));
  for (let p = 0; p < kh; p++) {
    for (let q = 0; q < kw; q++) {
      const from = (p * kw + q) * c * m;
      out.set(values.subarray(from, from + c * m), (p * dh * spread[1] + q * dw) * c * m);
    }
  }
  return { shape: spread, values: out };
}
