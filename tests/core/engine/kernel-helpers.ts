/** Helpers shared by the kernel tests in this folder. */
import { loadNative } from '../../../core/engine/native/addon.ts';
import { nativeKernelsActive, setNativeKernels } from '../../../core/engine/native/kernels.ts';

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
