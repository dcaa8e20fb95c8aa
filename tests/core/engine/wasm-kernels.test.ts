import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../../core/engine/backend.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { gradlensWasmKernels } from '../../../core/engine/wasm/index.ts';
import { maxPoolGrad } from '../../../core/engine/wasm/max-pool-grad.ts';
import { rng } from '../../helpers/fixtures.ts';
import { closeness, runOn, type Spec, spreadFilter, withoutNativeKernels } from './kernel-helpers.ts';

const test = suite('wasm-kernels');
let previous = '';
let restoreNative = () => {};
test.before(async () => {
  await initBackend();
  previous = tf.getBackend();
  await initBackend('wasm');
  // These are the WebAssembly kernels' tests; the native ones (tests/core/engine/native-kernels.test.ts)
  // would otherwise answer for the convolutions, max-pool gradient and batch norm.
  restoreNative = withoutNativeKernels();
});
test.after(async () => {
  restoreNative();
  await tf.setBackend(previous);
});

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const normal = (r: () => number, n: number) => Float32Array.from({ length: n }, () => 2 * r() - 1);

async function agree(kernel: string, inputs: Record<string, Spec>, attrs: object, label: string) {
  const cpu = await runOn('cpu', kernel, inputs, attrs);
  const wasm = await runOn('wasm', kernel, inputs, attrs);
  assert.equal(wasm.shape, cpu.shape, label);
  const err = closeness(wasm.data, cpu.data);
  assert.ok(err <= 1e-5, `${kernel} ${label}: error ${err}`);
}

/** A random conv case: shapes, strides 1/2, dilations 1/2 (not both > 1), same/valid. */
function convCase(r: () => number, depthwise: boolean) {
  const n = pick(r, [1, 2]);
  const [h, w] = [5 + Math.floor(r() * 6), 5 + Math.floor(r() * 6)];
  const c = pick(r, [1, 2, 3, 4]);
  const m = depthwise ? pick(r, [1, 2, 3]) : pick(r, [1, 3, 5]);
  const [fh, fw] = [pick(r, [1, 2, 3]), pick(r, [1, 2, 3])];
  const stride = pick(r, [1, 2]);
  const dilation = depthwise && stride === 1 ? pick(r, [1, 2]) : 1;
  const pad = pick(r, ['same', 'valid'] as const);
  const filterShape = [fh, fw, c, m] as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    [n, h, w, c],
    filterShape,
    stride,
    dilation,
    pad,
    undefined,
    depthwise,
  );
  return { n, h, w, c, m, filterShape, stride, dilation, pad, info, outShape: info.outShape };
}

test('gradlens registered its wasm kernels, and they are the ones running here', () => {
  for (const k of ['Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropInput', 'Conv2DBackpropFilter']) {
    assert.ok(gradlensWasmKernels.includes(k), gradlensWasmKernels.join(' '));
  }
  assert.is(tf.getKernel('MaxPoolGrad', 'wasm')?.kernelFunc, maxPoolGrad, 'a native MaxPoolGrad is installed');
});

test('Conv2DBackpropInput through the forward conv matches cpu on random shapes', async () => {
  const r = rng(11);
  for (let i = 0; i < 12; i++) {
    const k = convCase(r, false);
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    await agree(
      'Conv2DBackpropInput',
      {
        dy: { shape: k.outShape, values: normal(r, size(k.outShape)) },
        filter: { shape: k.filterShape, values: normal(r, size(k.filterShape)) },
      },
      { inputShape: [k.n, k.h, k.w, k.c], strides: k.stride, pad: k.pad, dataFormat: 'NHWC' },
      JSON.stringify(k),
    );
  }
});

test('DepthwiseConv2dNativeBackpropInput matches cpu (multipliers, strides, dilations)', async () => {
  const r = rng(12);
  for (let i = 0; i < 12; i++) {
    const k = convCase(r, true);
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    await agree(
      'DepthwiseConv2dNativeBackpropInput',
      {
        dy: { shape: k.outShape, values: normal(r, size(k.outShape)) },
        filter: { shape: k.filterShape, values: normal(r, size(k.filterShape)) },
      },
      { inputShape: [k.n, k.h, k.w, k.c], strides: k.stride, dilations: k.dilation, pad: k.pad },
      JSON.stringify(k),
    );
  }
});

test('DepthwiseConv2dNativeBackpropInput with dilations matches cpu on the spread-out filter', async () => {
  const r = rng(16);
  for (let i = 0; i < 6; i++) {
    const [n, h, w, c, m] = [
      pick(r, [1, 2]),
      5 + Math.floor(r() * 6),
      5 + Math.floor(r() * 6),
      pick(r, [1, 3]),
      i % 3 + 1,
    ];
    const filterShape = [pick(r, [2, 3]), pick(r, [2, 3]), c, m];
    const pad = pick(r, ['same', 'valid'] as const);
    const info = tf.backend_util.computeConv2DInfo(
      [n, h, w, c],
      filterShape as [number, number, number, number],
      1,
      2,
      pad,
      undefined,
      true,
    );
    const dy = normal(r, info.outShape.reduce((a, b) => a * b, 1));
    const filter = normal(r, filterShape.reduce((a, b) => a * b, 1));
    const attrs = { inputShape: [n, h, w, c], strides: 1, dilations: 2, pad };
    // tfjs-backend-cpu's kernel ignores dilations: its reference is the undilated call on the spread filter.
    const spread = spreadFilter(filter, filterShape, [2, 2]);
    const cpu = await runOn('cpu', 'DepthwiseConv2dNativeBackpropInput', {
      dy: { shape: info.outShape, values: dy },
      filter: spread,
    }, { ...attrs, dilations: 1 });
    const wasm = await runOn('wasm', 'DepthwiseConv2dNativeBackpropInput', {
      dy: { shape: info.outShape, values: dy },
      filter: { shape: filterShape, values: filter },
    }, attrs);
    assert.equal(wasm.shape, cpu.shape);
    const err = closeness(wasm.data, cpu.data);
    assert.ok(err <= 1e-5, `${JSON.stringify({ filterShape, pad, h, w })}: error ${err}`);
  }
});

test('borrowed filter gradients and segment sums match cpu', async () => {
  const r = rng(13);
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  for (let i = 0; i < 4; i++) {
    for (const depthwise of [false, true]) {
      const k = convCase(r, depthwise);
      const xShape = [k.n, k.h, k.w, k.c];
      await agree(depthwise ? 'DepthwiseConv2dNativeBackpropFilter' : 'Conv2DBackpropFilter', {
        x: { shape: xShape, values: normal(r, size(xShape)) },
        dy: { shape: k.outShape, values: normal(r, size(k.outShape)) },
      }, {
        filterShape: k.filterShape,
        strides: k.stride,
        dilations: k.dilation,
        pad: k.pad,
        dataFormat: 'NHWC',
      }, JSON.stringify(k));
    }
  }
  const ids = Int32Array.from({ length: 6 }, () => Math.floor(r() * 4));
  await agree(
    'UnsortedSegmentSum',
    {
      x: { shape: [6, 3], values: normal(r, 18) },
      segmentIds: { shape: [6], values: ids, dtype: 'int32' },
    },
    { numSegments: 4 },
    'segments',
  );
});

test('MaxPoolGrad matches cpu with channel counts that broke the stock wasm kernel', async () => {
  const r = rng(15);
  for (const [c, f, s, pad] of [[8, 2, 2, 'valid'], [16, 3, 2, 'same'], [5, 3, 1, 'same']] as const) {
    const info = tf.backend_util.computePool2DInfo([2, 7, 7, c], f, s, 1, pad);
    const x = normal(r, 2 * 7 * 7 * c);
    await tf.setBackend('cpu');
    const output = Array.from(tf.maxPool(tf.tensor(x, [2, 7, 7, c]) as tf.Tensor4D, f, s, pad).dataSync());
    await agree(
      'MaxPoolGrad',
      {
        dy: { shape: info.outShape, values: normal(r, output.length) },
        input: { shape: [2, 7, 7, c], values: x },
        output: { shape: info.outShape, values: Float32Array.from(output) },
      },
      { filterSize: f, strides: s, pad },
      `c=${c} f=${f} s=${s} ${pad}`,
    );
  }
});

test('full gradients of a small vision net agree with cpu', async () => {
  const r = rng(14);
  const shapes = {
    x: [2, 12, 12, 3],
    w1: [3, 3, 3, 4],
    dw: [3, 3, 8, 2],
    mean: [4],
    variance: [4],
    offset: [4],
    scale: [4],
    w3: [54, 5],
  };
  const values = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, normal(r, s.reduce((a, b) => a * b))]));
  values.variance = values.variance.map((v) => 0.5 + Math.abs(v));
  const net = (...[x, w1, dw, mean, variance, offset, scale, w3]: tf.Tensor[]) => {
    const a = tf.relu6(
      tf.batchNorm(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 2, 'same'), mean, variance, offset, scale),
    );
    const b = tf.elu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 2, 'same'));
    const cat = tf.concat([a, tf.add(a, b)], 3) as tf.Tensor4D;
    const d = tf.leakyRelu(tf.depthwiseConv2d(cat, dw as tf.Tensor4D, 1, 'same'), 0.1) as tf.Tensor4D;
    const pooled = tf.add(tf.maxPool(d, 2, 2, 'same'), tf.avgPool(d, 2, 2, 'valid')) as tf.Tensor4D;
    const picked = tf.gather(pooled, [0, 3, 5, 5, 15, 2], 3);
    const logits = tf.matMul(tf.reshape(tf.sigmoid(picked), [2, -1]), w3);
    return tf.sum(tf.mul(tf.tanh(logits), tf.range(1, 11).reshape([2, 5])));
  };
  const grads = async (backend: string) => {
    await tf.setBackend(backend);
    const ts = Object.entries(shapes).map(([k, s]) => tf.tensor(values[k], s));
    const gs = tf.grads(net)(ts);
    const out = await Promise.all(gs.map((g) => g.data()));
    tf.dispose([...ts, ...gs]);
    return out.map((d) => Array.from(d));
  };
  const cpu = await grads('cpu');
  const wasm = await grads('wasm');
  Object.keys(shapes).forEach((name, i) => {
    const err = closeness(wasm[i], cpu[i]);
    assert.ok(err <= 1e-5, `d/d${name}: error ${err}`);
  });
});

test.run();
