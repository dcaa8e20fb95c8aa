/**
 * Kernels gradlens adds to tfjs-backend-wasm: the missing gradient kernels of common vision
 * layers (borrowed from the cpu backend), a correct MaxPoolGrad, and fast input gradients of convolutions (through the
 * XNNPACK forward kernels). Called by `initBackend` when wasm is chosen; idempotent.
 */
import { tf } from '../../tensor/tf.ts';
import { conv2dBackpropInput, depthwiseBackpropInput } from './backprop-input.ts';
import { BORROWED_KERNELS, borrowFromCpu } from './borrow-cpu.ts';
import { registerMaskGrad } from './mask-grad.ts';
import { maxPoolGrad } from './max-pool-grad.ts';

let done = false;
/** tfjs-backend-wasm's own Identity (kept for string tensors). */
let identity: tf.KernelConfig | undefined;

/** Kernel names gradlens registered for wasm (for the backend description and tests). */
export const gradlensWasmKernels: string[] = [];

/** tfjs-backend-wasm's own `Conv2DBackpropInput`, kept as the reference and the NCHW fallback. */
export let referenceConv2dBackpropInput: tf.KernelConfig | undefined;

export function registerWasmKernels(): void {
  if (done) return;
  done = true;
  identity = tf.getKernel('Identity', 'wasm');
  const original = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (original) {
    referenceConv2dBackpropInput = original;
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel({
      kernelName: 'Conv2DBackpropInput',
      backendName: 'wasm',
      kernelFunc: conv2dBackpropInput(original.kernelFunc),
    });
    gradlensWasmKernels.push('Conv2DBackpropInput');
  }
  if (!tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')) {
    tf.registerKernel({
      kernelName: 'DepthwiseConv2dNativeBackpropInput',
      backendName: 'wasm',
      kernelFunc: depthwiseBackpropInput(),
    });
    gradlensWasmKernels.push('DepthwiseConv2dNativeBackpropInput');
  }
  for (const name of BORROWED_KERNELS) if (borrowFromCpu(name)) gradlensWasmKernels.push(name);
  // tfjs-backend-wasm's MaxPoolGrad is wrong when channels are a multiple of 8.
  if (tf.getKernel('MaxPoolGrad', 'wasm')) tf.unregisterKernel('MaxPoolGrad', 'wasm');
  tf.registerKernel({ kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad });
  gradlensWasmKernels.push('MaxPoolGrad');
  // tfjs clones every tensor a gradient saves through Identity, which copies on wasm (~5% of a
  // MobileNetV2 gradient); sharing the buffer, as the cpu backend and wasm's own Reshape do, is
  // safe because kernels never write into their inputs.
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: sharedIdentity });
  gradlensWasmKernels.push('Identity');
  if (registerMaskGrad('wasm')) gradlensWasmKernels.push('GradlensMaskGrad');
}

/** `Identity` without a copy: one more reference to the same wasm buffer. */
const sharedIdentity: tf.KernelConfig['kernelFunc'] = ({ inputs, backend }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string') return identity!.kernelFunc({ inputs, backend, attrs: {} });
  (backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};
