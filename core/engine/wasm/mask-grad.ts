/**
 * `GradlensMaskGrad`: dx = dy where x lies in the interval (lo, hi] (`[lo, hi]` when
 * `loInclusive`), else 0; where x is NaN, dx is NaN when `nanOut` (tfjs's Relu/Relu6 gradients
 * multiply dy by NaN there) else 0 (ClipByValue's selects 0). One pass instead of tfjs's three to
 * five kernels per gradient (Step, LessEqual, GreaterEqual, LogicalAnd, Cast, Select, ZerosLike,
 * Multiply): the ReLU6 gradients of MobileNetV2 were ~15% of its vanilla gradient on wasm.
 * Differs from tfjs only where dy itself is not finite (tfjs multiplies it by 0, giving NaN).
 *
 * On wasm the loop is SIMD on the backend's memory (./simd.ts), a JS loop where that is not
 * available; on cpu a JS loop. core/engine/gradients.ts calls it where it is registered.
 */
import { tf } from '../../tensor/tf.ts';
import { simdMask } from './simd.ts';

export const MASK_GRAD = 'GradlensMaskGrad';

export interface MaskGradAttrs {
  lo: number;
  hi: number;
  loInclusive: boolean;
  nanOut: boolean;
}

/** The BackendWasm members used here (public in its JS, not in tfjs-core's types). */
interface WasmHeap {
  wasm: { asm?: { memory?: WebAssembly.Memory } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/** The MathBackendCPU methods used here. */
interface CpuData {
  data: { get(dataId: object): { values: tf.TypedArray } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.TypedArray): tf.TensorInfo;
}

function fill(dx: Float32Array, dy: Float32Array, x: Float32Array, a: MaskGradAttrs, from = 0): void {
  const { lo, hi, loInclusive, nanOut } = a;
  for (let i = from; i < x.length; i++) {
    const v = x[i];
    const inside = (loInclusive ? v >= lo : v > lo) && v <= hi;
    dx[i] = inside ? dy[i] : nanOut && v !== v ? NaN : 0;
  }
}

const wasmKernel: tf.KernelConfig['kernelFunc'] = ({ inputs, attrs, backend }) => {
  const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const a = attrs as unknown as MaskGradAttrs;
  const heap = backend as unknown as WasmHeap;
  const out = heap.makeOutput(x.shape, 'float32');
  // Views after makeOutput: allocating may grow (and detach) the wasm memory.
  const [dxs, dys, xs] = [heap.typedArrayFromHeap(out), heap.typedArrayFromHeap(dy), heap.typedArrayFromHeap(x)];
  const mask = simdMask(heap.wasm.asm?.memory);
  const lanes = mask ? xs.length - (xs.length % 4) : 0;
  if (mask && lanes > 0) {
    mask(dxs.byteOffset, dys.byteOffset, xs.byteOffset, 4 * lanes, a.lo, a.hi, +a.loInclusive, +a.nanOut);
  }
  fill(dxs, dys, xs, a, lanes);
  return out;
};

const cpuKernel: tf.KernelConfig['kernelFunc'] = ({ inputs, attrs, backend }) => {
  const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const cpu = backend as unknown as CpuData;
  const dx = new Float32Array(tf.util.sizeFromShape(x.shape));
  const values = (info: tf.TensorInfo) => cpu.data.get(info.dataId).values as Float32Array;
  fill(dx, values(dy), values(x), attrs as unknown as MaskGradAttrs);
  return cpu.makeTensorInfo(x.shape, 'float32', dx);
};

/** Registers the kernel for `backendName` (`wasm` or `cpu`) unless present. Returns whether it did. */
export function registerMaskGrad(backendName: 'wasm' | 'cpu'): boolean {
  if (tf.getKernel(MASK_GRAD, backendName)) return false;
  const kernelFunc = backendName === 'wasm' ? wasmKernel : cpuKernel;
  tf.registerKernel({ kernelName: MASK_GRAD, backendName, kernelFunc });
  return true;
}

/** Whether the current backend has the kernel (else callers use tfjs ops). */
export function hasMaskGrad(): boolean {
  return tf.getKernel(MASK_GRAD, tf.getBackend()) !== undefined;
}
