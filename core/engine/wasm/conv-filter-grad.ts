/**
 * A fast stride-1 `Conv2DBackpropFilter` for wasm (training; attribution never needs it).
 *
 * Makes training conv nets on wasm practical. tfjs-backend-wasm
 * 4.x has no `Conv2DBackpropFilter` (the gradient of a conv's weights); gradlens borrows the cpu
 * backend's (core/engine/wasm/borrow-cpu.ts), exact but at plain-JS speed: fine for attribution,
 * an hour per epoch for training. Wasm does have `Conv3DBackpropFilterV2`, and a 2-D conv is a
 * 3-D conv over a depth of one; reshaping only relabels the same memory. So this kernel hands
 * the wasm 3-D kernel `x` as `[N, 1, H, W, C]` and `dy` as `[N, 1, OH, OW, F]`, and relabels its
 * `[1, KH, KW, C, F]` result as `[KH, KW, C, F]`.
 *
 * Only stride 1 with NHWC: the wasm 3-D kernel gives wrong values for strides > 1 (checked
 * against cpu in tests/core/engine/conv-filter-grad.test.ts); other cases go to the kernel that was
 * registered before. Call after the wasm backend is initialised; idempotent. Returns a function
 * that puts the previous kernel back (tests use it so other suites see the usual kernels).
 */
import { tf } from '../../tensor/tf.ts';

let installed = false;
let restore = () => {};

type Info = { dataId: object; shape: number[]; dtype: string };
type KernelArgs = { inputs: Record<string, Info>; backend: unknown; attrs: Record<string, unknown> };

export function registerWasmConvFilterGrad(): () => void {
  if (installed) return restore;
  const conv3d = tf.getKernel('Conv3DBackpropFilterV2', 'wasm');
  if (!conv3d) throw new Error('the wasm backend has no Conv3DBackpropFilterV2 kernel to build on');
  const previous = tf.getKernel('Conv2DBackpropFilter', 'wasm');
  if (previous) tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
  installed = true;
  restore = () => {
    if (!installed) return;
    tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
    if (previous) tf.registerKernel(previous);
    installed = false;
  };
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ((args: KernelArgs) => {
      const { inputs, backend, attrs } = args;
      const { strides, pad, dataFormat, filterShape } = attrs as {
        strides: number | [number, number];
        pad: unknown;
        dataFormat?: string;
        filterShape: [number, number, number, number];
      };
      const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
      const supported = (dataFormat ?? 'NHWC') === 'NHWC' && (pad === 'valid' || pad === 'same') && sh === 1 &&
        sw === 1;
      if (!supported) {
        if (!previous) throw new Error('Conv2DBackpropFilter on wasm: only stride 1, NHWC, valid/same padding');
        return previous.kernelFunc(args as never);
      }
      const as5d = (t: Info): Info => ({ ...t, shape: [t.shape[0], 1, ...t.shape.slice(1)] });
      const out = conv3d.kernelFunc({
        inputs: { x: as5d(inputs.x), dy: as5d(inputs.dy) },
        backend,
        attrs: { strides: [1, 1, 1], pad, filterShape: [1, ...filterShape] },
      } as never) as Info;
      return { ...out, shape: [...filterShape] };
    }) as unknown as tf.KernelFunc,
  });
  return restore;
}
