/**
 * Kernels the wasm backend lacks, borrowed from the cpu backend: inputs are copied out of wasm
 * memory, the cpu kernel runs on the copies, and its outputs are written back. Exact (the same
 * JS code as `--backend cpu`), at cpu speed plus two copies; meant for kernels that are rare or
 * cheap in attribution work (filter gradients, segment sums), not for the hot path.
 */
import { tf } from '../../tensor/tf.ts';

/** Gradient kernels of common vision layers that tfjs-backend-wasm 4.22 does not register. */
export const BORROWED_KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum',
] as const;

/** Registers `kernelName` on wasm from cpu, unless wasm already has it. Returns whether it did. */
export function borrowFromCpu(kernelName: string): boolean {
  const cpuKernel = tf.getKernel(kernelName, 'cpu');
  if (!cpuKernel || tf.getKernel(kernelName, 'wasm')) return false;
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend: wasm }) => {
      const backend = wasm as tf.KernelBackend;
      const cpu = tf.findBackend('cpu');
      if (!cpu) throw new Error(`${kernelName}: the cpu backend is not available to borrow from`);
      const copies: tf.NamedTensorInfoMap = {};
      for (const [name, info] of Object.entries(inputs)) {
        if (!info) continue;
        const values = backend.readSync(info.dataId) as tf.TypedArray;
        copies[name] = { dataId: cpu.write(values, info.shape, info.dtype), shape: info.shape, dtype: info.dtype };
      }
      const out = cpuKernel.kernelFunc({ inputs: copies, attrs, backend: cpu });
      const outs = Array.isArray(out) ? out : [out];
      const results = outs.map((o) => ({
        dataId: backend.write(cpu.readSync(o.dataId) as tf.TypedArray, o.shape, o.dtype),
        shape: o.shape,
        dtype: o.dtype,
      }));
      const used = new Set([...Object.values(copies), ...outs].map((info) => info!.dataId));
      for (const dataId of used) cpu.disposeData(dataId, true);
      return Array.isArray(out) ? results : results[0];
    },
  });
  return true;
}
