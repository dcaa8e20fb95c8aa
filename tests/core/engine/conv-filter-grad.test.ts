import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../../core/engine/backend.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { registerWasmConvFilterGrad } from '../../../core/engine/wasm/conv-filter-grad.ts';
import { withoutNativeKernels } from './kernel-helpers.ts';

const test = suite('engine: wasm conv filter gradient (stride 1)');
let previousBackend = '';
let restoreNative = () => {};
test.before(async () => {
  await initBackend();
  previousBackend = tf.getBackend();
  await initBackend('wasm');
  // The forward convolution and input gradient around the kernel under test stay on wasm too.
  restoreNative = withoutNativeKernels();
});
test.after(async () => {
  restoreNative();
  await tf.setBackend(previousBackend);
});

type Shape4 = [number, number, number, number];
type Case = { x: Shape4; w: Shape4; strides: [number, number]; pad: 'valid' | 'same' };
const CASES: Case[] = [
  { x: [2, 9, 8, 1], w: [3, 3, 1, 16], strides: [1, 1], pad: 'valid' },
  { x: [2, 9, 8, 16], w: [3, 3, 16, 32], strides: [1, 1], pad: 'valid' },
  { x: [2, 9, 8, 3], w: [3, 3, 3, 4], strides: [1, 1], pad: 'same' },
  // Strides > 1 fall back to the previous kernel (the wasm 3-D kernel gets them wrong).
  { x: [2, 9, 8, 3], w: [3, 3, 3, 4], strides: [2, 1], pad: 'same' },
];

/** d(sum(conv(x, w)^2))/dw on the current backend, for fixed random x and w. */
function filterGradient(c: Case): Float32Array {
  return tf.tidy(() => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal(c.w, 0, 1, 'float32', 2);
    const f = (w: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, w as tf.Tensor4D, c.strides, c.pad)));
    return tf.grad(f)(w).dataSync() as Float32Array;
  });
}

test('matches the cpu backend within float32 rounding, and restores the previous kernel', async () => {
  // setBackend, not initBackend: initBackend('wasm') after 'cpu' would reinstall the native kernels.
  await tf.setBackend('cpu');
  const expected = CASES.map(filterGradient);
  await tf.setBackend('wasm');
  const previous = tf.getKernel('Conv2DBackpropFilter', 'wasm');
  const restore = registerWasmConvFilterGrad();
  try {
    assert.is.not(tf.getKernel('Conv2DBackpropFilter', 'wasm'), previous);
    CASES.forEach((c, k) => {
      const got = filterGradient(c);
      const scale = Math.max(...expected[k].map(Math.abs));
      const worst = Math.max(...got.map((v, i) => Math.abs(v - expected[k][i])));
      assert.ok(worst <= 1e-5 * scale, `${JSON.stringify(c)}: max error ${worst} at scale ${scale}`);
    });
  } finally {
    restore();
  }
  assert.is(tf.getKernel('Conv2DBackpropFilter', 'wasm'), previous);
});

test.run();
