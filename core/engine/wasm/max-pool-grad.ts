/**
 * `MaxPoolGrad` for wasm as a JS loop over the backend's heap. tfjs-backend-wasm 4.22's own
 * kernel routes gradients to wrong positions when the channel count is a multiple of 8 (found by
 * tests/core/engine/wasm-kernels.test.ts), and borrowing the cpu kernel costs ~0.8 s per
 * Fashion-MNIST batch of 256. Each output position sends dy to the first maximum of its window
 * (the cpu backend's tie-break), skipping padding; dx is their sum.
 */
import { tf } from '../../tensor/tf.ts';

/** The BackendWasm methods used here (public in its JS, not in tfjs-core's types). */
interface WasmHeap {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export const maxPoolGrad: tf.KernelConfig['kernelFunc'] = ({ inputs, attrs, backend }) => {
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const a = attrs as unknown as PoolAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const heap = backend as unknown as WasmHeap;
  const out = heap.makeOutput(input.shape, 'float32');
  // Views after makeOutput: allocating may grow (and detach) the wasm memory.
  const x = heap.typedArrayFromHeap(input);
  const g = heap.typedArrayFromHeap(dy);
  const dx = heap.typedArrayFromHeap(out);
  dx.fill(0);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const [sh, sw, fh, fw] = [info.strideHeight, info.strideWidth, info.filterHeight, info.filterWidth];
  const [top, left] = [info.padInfo.top, info.padInfo.left];
  // Channels innermost, so every pass over a window row reads and writes contiguous memory.
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  for (let b = 0; b < n; b++) {
    const xb = b * h * w * c;
    for (let i = 0; i < oh; i++) {
      const r0 = i * sh - top;
      for (let j = 0; j < ow; j++) {
        const c0 = j * sw - left;
        best.fill(-Infinity);
        at.fill(-1);
        for (let r = Math.max(r0, 0); r < Math.min(r0 + fh, h); r++) {
          for (let q = Math.max(c0, 0); q < Math.min(c0 + fw, w); q++) {
            const k0 = xb + (r * w + q) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[k0 + ch];
              if (v > best[ch]) {
                best[ch] = v;
                at[ch] = k0 + ch;
              }
            }
          }
        }
        const gBase = ((b * oh + i) * ow + j) * c;
        for (let ch = 0; ch < c; ch++) if (at[ch] >= 0) dx[at[ch]] += g[gBase + ch];
      }
    }
  }
  return out;
};
