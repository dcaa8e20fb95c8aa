/**
 * The native (oneDNN) kernels against the cpu backend, on random shapes. Every covered case must
 * run natively (a silent fallback to the wasm kernel fails the test); cases outside their reach
 * (prelu, NCHW, odd broadcasts) must fall back and still be right. Without the addon the suite is
 * skipped loudly with the reason `loadNative` gives.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { currentBackend, initBackend } from '../../../core/engine/backend.ts';
import { loadNative, type NativeAddon } from '../../../core/engine/native/addon.ts';
import {
  NATIVE_KERNELS,
  nativeErrors,
  nativeFallbacks,
  nativeKernelsActive,
  setNativeKernels,
} from '../../../core/engine/native/kernels.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { maxPoolGrad } from '../../../core/engine/wasm/max-pool-grad.ts';
import { rng } from '../../helpers/fixtures.ts';
import { closeness, runOn, spreadFilter } from './kernel-helpers.ts';

const test = suite('native-kernels');
const native = loadNative();
if (native.addon) {
  defineNativeTests(native.addon);
} else {
  const bar = '!'.repeat(72);
  console.log(`\n${bar}\n  NATIVE KERNEL TESTS SKIPPED: ${native.reason}\n${bar}\n`);
  test.skip('native kernels need the addon (npm run build:native)', () => {});
}
test.run();

type R = () => number;
type Spec = { shape: number[]; values: Float32Array };
type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

const int = (r: R, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: R, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const normal = (r: R, shape: number[]): Spec => ({
  shape,
  values: Float32Array.from({ length: size(shape) }, () => 2 * r() - 1),
});
const ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'elu', 'leakyrelu'] as const;
/** Calls that fell back, over every native kernel. */
const fallbacks = () => Object.values(nativeFallbacks).reduce((a, b) => a + b, 0);

/**
 * `kernel` on wasm (native) agrees with cpu to 1e-5; `fallback` says whether the native wrapper
 * must hand the call to the previous kernel (true) or run it itself (false).
 */
async function agree(
  kernel: string,
  inputs: Record<string, Spec | undefined>,
  attrs: object,
  label: string,
  fallback = false,
  reference: { inputs: Record<string, Spec | undefined>; attrs: object } = { inputs, attrs },
) {
  const cpu = await runOn('cpu', kernel, reference.inputs, reference.attrs);
  const before = fallbacks();
  const wasm = await runOn('wasm', kernel, inputs, attrs);
  const fell = fallbacks() - before;
  if (fallback) assert.ok(fell > 0, `${kernel} ${label}: ran natively, expected a fallback`);
  else assert.is(fell, 0, `${kernel} ${label}: fell back (${nativeErrors[kernel] ?? 'not covered'})`);
  assert.equal(wasm.shape, cpu.shape, `${kernel} ${label}`);
  const err = closeness(wasm.data, cpu.data);
  assert.ok(err <= 1e-5, `${kernel} ${label}: error ${err}`);
}

/**
 * A random NHWC convolution: batch 1-3, channels 1-20 (multiplier 1-3 when depthwise), filters
 * 1-4, strides 1-3 or (when `dilate`) dilations 1-2 per axis (tfjs wants one of them 1), 'same',
 * 'valid', a number (with a rounding mode) or explicit padding.
 */
function convCase(r: R, depthwise: boolean, dilate = true) {
  const n = int(r, 1, 3);
  const c = int(r, 1, 20);
  const m = depthwise ? int(r, 1, 3) : int(r, 1, 20);
  const kind = pick(r, ['same', 'valid', 'number', 'explicit'] as const);
  // tfjs sizes a numeric padding's output with the filter height and stride for both axes, so
  // those cases are square (tfjs-backend-wasm writes past its output otherwise).
  const pair = (lo: number, hi: number): [number, number] => {
    const a = int(r, lo, hi);
    return kind === 'number' ? [a, a] : [a, int(r, lo, hi)];
  };
  const [fh, fw] = pair(1, 4);
  const strides = r() < 0.4 ? [1, 1] : pair(1, 3);
  const dilations = dilate && strides[0] === 1 && strides[1] === 1 ? pair(1, 2) : [1, 1];
  const pad: Pad = kind === 'number'
    ? int(r, 0, 2)
    : kind === 'explicit'
    ? [[0, 0], [int(r, 0, 2), int(r, 0, 2)], [int(r, 0, 2), int(r, 0, 2)], [0, 0]]
    : kind;
  const dimRoundingMode = kind === 'number' ? pick(r, [undefined, 'floor', 'round', 'ceil'] as const) : undefined;
  // At least one full window, so 'valid' has an output.
  const h = Math.max(int(r, 1, 12), (fh - 1) * dilations[0] + 1);
  const w = Math.max(int(r, 1, 12), (fw - 1) * dilations[1] + 1);
  const xShape = [n, h, w, c];
  const filterShape = [fh, fw, c, m];
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides as [number, number],
    dilations as [number, number],
    pad,
    dimRoundingMode,
    depthwise,
  );
  const attrs = { strides, dilations, pad, dimRoundingMode, dataFormat: 'NHWC' };
  return { xShape, filterShape, outShape: info.outShape, attrs, label: JSON.stringify({ xShape, filterShape, attrs }) };
}

/** A matrix product case: rank 2, rank 3 or 4 with equal batches, or one matrix against a batch. */
function matmulCase(r: R) {
  const [m, n, k] = [int(r, 1, 20), int(r, 1, 20), int(r, 1, 20)];
  const [transposeA, transposeB] = [r() < 0.5, r() < 0.5];
  const batch = int(r, 2, 3);
  const [batchA, batchB] = pick(r, [
    [[], []],
    [[batch], [batch]],
    [[2, batch], [2, batch]],
    [[1], [batch]],
    [[batch], [1]],
    [[], [batch]],
    [[batch], []],
    [[2, batch], []],
  ]);
  const a = [...batchA, ...(transposeA ? [k, m] : [m, k])];
  const b = [...batchB, ...(transposeB ? [n, k] : [k, n])];
  return { a, b, n, attrs: { transposeA, transposeB }, label: JSON.stringify({ a, b, transposeA, transposeB }) };
}

function fusedAttrs(r: R) {
  return { activation: pick(r, ACTIVATIONS), leakyreluAlpha: pick(r, [0.2, 0.01, 0.3]) };
}

function defineNativeTests(addon: NativeAddon) {
  let previous = '';
  test.before(async () => {
    await initBackend();
    previous = tf.getBackend();
    await initBackend('wasm');
  });
  test.after(async () => {
    await tf.setBackend(previous);
  });

  test('initBackend installed the native kernels on wasm', () => {
    assert.ok(nativeKernelsActive(), 'native kernels are not active');
    assert.match(String(currentBackend()?.details.native), /oneDNN/);
    assert.equal([...NATIVE_KERNELS].sort(), [
      'AvgPoolGrad',
      'BatchMatMul',
      'Conv2D',
      'Conv2DBackpropInput',
      'DepthwiseConv2dNative',
      'DepthwiseConv2dNativeBackpropInput',
      'FusedBatchNorm',
      'FusedConv2D',
      'FusedDepthwiseConv2D',
      'MaxPoolGrad',
      'PadV2',
      'Slice',
      '_FusedMatMul',
    ]);
  });

  for (const depthwise of [false, true]) {
    const plain = depthwise ? 'DepthwiseConv2dNative' : 'Conv2D';
    const fused = depthwise ? 'FusedDepthwiseConv2D' : 'FusedConv2D';

    test(`${plain} matches cpu (strides, dilations, same/valid/explicit padding)`, async () => {
      const r = rng(depthwise ? 21 : 20);
      for (let i = 0; i < 24; i++) {
        const k = convCase(r, depthwise);
        await agree(plain, { x: normal(r, k.xShape), filter: normal(r, k.filterShape) }, k.attrs, k.label);
      }
    });

    test(`${fused} matches cpu with and without bias, every fused activation`, async () => {
      const r = rng(depthwise ? 23 : 22);
      for (let i = 0; i < 24; i++) {
        const k = convCase(r, depthwise);
        const fusion = { ...fusedAttrs(r), activation: ACTIVATIONS[i % ACTIVATIONS.length] };
        const bias = i % 4 === 3 ? undefined : normal(r, [k.outShape[3]]);
        await agree(
          fused,
          { x: normal(r, k.xShape), filter: normal(r, k.filterShape), bias },
          { ...k.attrs, ...fusion },
          `${k.label} ${JSON.stringify(fusion)} bias=${Boolean(bias)}`,
        );
      }
    });

    const backprop = depthwise ? 'DepthwiseConv2dNativeBackpropInput' : 'Conv2DBackpropInput';
    test(`${backprop} matches cpu${depthwise ? ' (multipliers, dilations)' : ''}`, async () => {
      const r = rng(depthwise ? 25 : 24);
      for (let i = 0; i < 24; i++) {
        // Conv2DBackpropInput has no dilations attribute.
        const k = convCase(r, depthwise, depthwise);
        const inputs = { dy: normal(r, k.outShape), filter: normal(r, k.filterShape) };
        const attrs = { ...k.attrs, inputShape: k.xShape };
        // tfjs-backend-cpu's depthwise input gradient ignores dilations: the reference runs the
        // same call with the filter spread out (zeros between taps) and no dilation.
        const reference = {
          inputs: { ...inputs, filter: spreadFilter(inputs.filter.values, inputs.filter.shape, k.attrs.dilations) },
          attrs: { ...attrs, dilations: 1 },
        };
        await agree(backprop, inputs, attrs, k.label, false, reference);
      }
    });
  }

  test('BatchMatMul matches cpu (transposes, rank 2-4, one matrix against a batch)', async () => {
    const r = rng(30);
    for (let i = 0; i < 30; i++) {
      const k = matmulCase(r);
      await agree('BatchMatMul', { a: normal(r, k.a), b: normal(r, k.b) }, k.attrs, k.label);
    }
  });

  test('_FusedMatMul matches cpu with bias [N], [1] or none, every fused activation', async () => {
    const r = rng(31);
    for (let i = 0; i < 30; i++) {
      const k = matmulCase(r);
      const fusion = { ...fusedAttrs(r), activation: ACTIVATIONS[i % ACTIVATIONS.length] };
      const bias = [normal(r, [k.n]), normal(r, [1]), undefined][i % 3];
      await agree(
        '_FusedMatMul',
        { a: normal(r, k.a), b: normal(r, k.b), bias },
        { ...k.attrs, ...fusion },
        `${k.label} ${JSON.stringify(fusion)} bias=${bias?.shape}`,
      );
    }
  });

  test('MaxPoolGrad matches cpu with ties and padding', async () => {
    const r = rng(32);
    for (let i = 0; i < 24; i++) {
      const xShape: [number, number, number, number] = [int(r, 1, 3), int(r, 3, 10), int(r, 3, 10), int(r, 1, 20)];
      const filterSize: [number, number] = [int(r, 2, 3), int(r, 2, 3)];
      const strides: [number, number] = [int(r, 1, 2), int(r, 1, 2)];
      const pad = pick(r, ['same', 'valid'] as const);
      // Few distinct values, so most windows hold a tie (the first maximum gets dy).
      const x = Float32Array.from({ length: size(xShape) }, () => Math.floor(r() * 3) - 1);
      await tf.setBackend('cpu');
      const pooled = tf.tidy(() => tf.maxPool(tf.tensor(x, xShape) as tf.Tensor4D, filterSize, strides, pad));
      const output = { shape: pooled.shape, values: pooled.dataSync() as Float32Array };
      pooled.dispose();
      await agree(
        'MaxPoolGrad',
        { dy: normal(r, output.shape), input: { shape: xShape, values: x }, output },
        { filterSize, strides, pad },
        JSON.stringify({ xShape, filterSize, strides, pad }),
      );
    }
  });

  test('AvgPoolGrad matches cpu (same/valid, strides 1-3, filters 1-4, global pooling)', async () => {
    const r = rng(39);
    for (let i = 0; i < 24; i++) {
      const xShape: [number, number, number, number] = [int(r, 1, 3), int(r, 3, 10), int(r, 3, 10), int(r, 1, 20)];
      // The last cases pool the whole image, as a global average pooling layer does.
      const global = i >= 20;
      const filterSize: [number, number] = global ? [xShape[1], xShape[2]] : [int(r, 1, 4), int(r, 1, 4)];
      const strides: [number, number] = global ? [1, 1] : [int(r, 1, 3), int(r, 1, 3)];
      const pad = global ? 'valid' : pick(r, ['same', 'valid'] as const);
      const info = tf.backend_util.computePool2DInfo(xShape, filterSize, strides, 1, pad);
      await agree(
        'AvgPoolGrad',
        { dy: normal(r, info.outShape), input: normal(r, xShape) },
        { filterSize, strides, pad },
        JSON.stringify({ xShape, filterSize, strides, pad }),
      );
    }
  });

  test('FusedBatchNorm matches cpu (mean, variance, offset, scale of length C or 1, or absent)', async () => {
    const r = rng(33);
    for (let i = 0; i < 30; i++) {
      const rank = int(r, 1, 4);
      const xShape = Array.from({ length: rank }, (_, d) => d === rank - 1 ? int(r, 1, 20) : int(r, 1, 6));
      const c = xShape[rank - 1];
      const length = () => (r() < 0.3 ? 1 : c);
      const variance = normal(r, [length()]);
      variance.values = variance.values.map((v) => 0.1 + Math.abs(v) * 2);
      const inputs = {
        x: normal(r, xShape),
        mean: normal(r, [length()]),
        variance,
        offset: i % 4 === 1 ? undefined : normal(r, [length()]),
        scale: i % 4 === 2 ? undefined : normal(r, [length()]),
      };
      const shapes = Object.fromEntries(Object.entries(inputs).map(([k, s]) => [k, s?.shape ?? null]));
      await agree('FusedBatchNorm', inputs, { varianceEpsilon: pick(r, [1e-3, 1e-5]) }, JSON.stringify(shapes));
    }
  });

  test('prelu, NCHW and mismatched batches fall back to the wasm kernels, still correct', async () => {
    const r = rng(34);
    for (const fused of ['FusedConv2D', 'FusedDepthwiseConv2D']) {
      const k = convCase(r, fused === 'FusedDepthwiseConv2D');
      await agree(
        fused,
        {
          x: normal(r, k.xShape),
          filter: normal(r, k.filterShape),
          bias: normal(r, [k.outShape[3]]),
          preluActivationWeights: normal(r, [k.outShape[3]]),
        },
        { ...k.attrs, activation: 'prelu' },
        `prelu ${k.label}`,
        true,
      );
    }
    // Rank 3: tfjs-backend-wasm's fused kernel traps on rank 2 (tf.fused.matMul always passes 3).
    await agree(
      '_FusedMatMul',
      { a: normal(r, [2, 3, 4]), b: normal(r, [2, 4, 5]), preluActivationWeights: normal(r, [5]) },
      { transposeA: false, transposeB: false, activation: 'prelu' },
      'prelu',
      true,
    );
    // dy [N, C, H, W]: gradlens's wasm kernel hands NCHW to tfjs-backend-wasm's loop.
    await agree(
      'Conv2DBackpropInput',
      { dy: normal(r, [2, 4, 5, 5]), filter: normal(r, [3, 3, 3, 4]) },
      { strides: 1, pad: 'same', dataFormat: 'NCHW', inputShape: [2, 3, 5, 5] },
      'NCHW',
      true,
    );
    // Batches [2, 1] x [1, 3] broadcast to [2, 3]: neither operand is a single matrix.
    await agree(
      'BatchMatMul',
      { a: normal(r, [2, 1, 3, 4]), b: normal(r, [1, 3, 4, 2]) },
      { transposeA: false, transposeB: false },
      'batches [2, 1] x [1, 3]',
      true,
    );
  });

  test('Slice and PadV2 match cpu on ranks 1-5 (whole, partial and empty axes; -1 sizes; any constant; int32)', async () => {
    const r = rng(38);
    for (let i = 0; i < 30; i++) {
      const rank = int(r, 1, 5);
      const shape = Array.from({ length: rank }, () => int(r, 1, 6));
      const begin = shape.map((d) => (r() < 0.4 ? 0 : int(r, 0, d - 1)));
      // Whole axes (so runs merge), -1 (to the end), partial and empty extents.
      const sizes = shape.map((d, k) => pick(r, [d - begin[k], -1, int(r, 0, d - begin[k])]));
      await agree('Slice', { x: normal(r, shape) }, { begin, size: sizes }, JSON.stringify({ shape, begin, sizes }));
      const paddings = shape.map(() => [int(r, 0, 3), int(r, 0, 3)]);
      const constantValue = pick(r, [0, 1.5, -2]);
      await agree('PadV2', { x: normal(r, shape) }, { paddings, constantValue }, JSON.stringify({ shape, paddings }));
      // int32 tensors (indices, labels) take the same copies, exactly; a non-zero int32 pad falls back.
      const ints = {
        shape,
        values: Int32Array.from({ length: size(shape) }, () => int(r, -1000, 1000)),
        dtype: 'int32' as const,
      };
      for (
        const [kernel, attrs, fallback] of [
          ['Slice', { begin, size: sizes }, false],
          ['PadV2', { paddings, constantValue: 0 }, false],
          ['PadV2', { paddings, constantValue: 7 }, true],
        ] as const
      ) {
        const before = fallbacks();
        const cpu = await runOn('cpu', kernel, { x: ints }, attrs);
        const wasm = await runOn('wasm', kernel, { x: ints }, attrs);
        assert.is(fallbacks() - before, fallback ? 1 : 0, `${kernel} int32 ${JSON.stringify(attrs)}`);
        assert.equal(wasm, cpu, `${kernel} int32 ${JSON.stringify({ shape, attrs })}`);
      }
    }
  });

  test('an NCHW Conv2D goes to the previous kernel, not through oneDNN', async () => {
    const before = nativeFallbacks.Conv2D ?? 0;
    await tf.setBackend('wasm');
    const x = tf.ones([1, 3, 6, 6]);
    const filter = tf.ones([3, 3, 3, 2]);
    try {
      // tfjs-backend-wasm rejects NCHW; what matters here is that the native kernel did not answer.
      const y = tf.engine().runKernel('Conv2D', { x, filter }, {
        strides: 1,
        pad: 'valid',
        dataFormat: 'NCHW',
        dilations: 1,
      }) as tf.Tensor;
      assert.equal(y.shape, [1, 2, 4, 4]);
      y.dispose();
    } catch (error) {
      assert.match(String(error), /dataFormat/);
    } finally {
      tf.dispose([x, filter]);
    }
    assert.is(nativeFallbacks.Conv2D, before + 1);
  });

  test('a bias that is not along the last axis is not taken for one', async () => {
    const r = rng(35);
    const conv = { strides: 1, pad: 'valid', dilations: 1, dataFormat: 'NHWC', activation: 'linear' };
    const cases: [string, Record<string, Spec>, object][] = [
      // [3, 1] holds as many values as [3] but broadcasts down the rows of a [3, 3] product.
      ['_FusedMatMul', { a: normal(r, [3, 4]), b: normal(r, [4, 3]), bias: normal(r, [3, 1]) }, {}],
      // ... and across the width of a [1, 3, 3, 3] convolution.
      ['FusedConv2D', { x: normal(r, [1, 3, 3, 2]), filter: normal(r, [1, 1, 2, 3]), bias: normal(r, [3, 1]) }, conv],
      // A rank-3 bias makes a rank-2 product rank 3.
      ['_FusedMatMul', { a: normal(r, [3, 4]), b: normal(r, [4, 2]), bias: normal(r, [1, 1, 2]) }, {}],
    ];
    for (const [kernel, inputs, attrs] of cases) {
      const label = `${kernel} bias [${inputs.bias.shape}]`;
      const cpu = await runOn('cpu', kernel, inputs, attrs);
      const before = fallbacks();
      const wasm = await runOn('wasm', kernel, inputs, attrs).catch((error) => String(error));
      assert.is(fallbacks() - before, 1, `${label} ran natively`);
      if (typeof wasm === 'string') {
        // tfjs-backend-wasm takes rank-1 biases only: an error, not a wrong answer.
        assert.match(wasm, /rank-1 bias/, label);
      } else {
        assert.equal(wasm.shape, cpu.shape, label);
        assert.ok(closeness(wasm.data, cpu.data) <= 1e-5, label);
      }
    }
  });

  test('a failing native call falls back, records the error and frees its output', async () => {
    const r = rng(36);
    const k = convCase(r, false);
    const inputs = { x: normal(r, k.xShape), filter: normal(r, k.filterShape) };
    const conv2d = addon.conv2d;
    addon.conv2d = () => {
      throw new Error('injected failure');
    };
    try {
      await tf.setBackend('wasm');
      const dataIds = tf.backend().numDataIds();
      await agree('Conv2D', inputs, k.attrs, k.label, true);
      assert.is(nativeErrors.Conv2D, 'injected failure');
      assert.is(tf.backend().numDataIds(), dataIds, 'the native output was not freed');
    } finally {
      addon.conv2d = conv2d;
      delete nativeErrors.Conv2D;
    }
    await agree('Conv2D', inputs, k.attrs, k.label);
  });

  test('tensor and buffer counts return to their baseline after a batch of native calls', async () => {
    const r = rng(37);
    await tf.setBackend('wasm');
    const [tensors, dataIds] = [tf.memory().numTensors, tf.backend().numDataIds()];
    const t = (shape: number[]) => tf.tensor(normal(r, shape).values, shape);
    const before = fallbacks();
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        const x = t([2, 9, 9, 6]);
        const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) =>
          tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
        const conv = { strides: 2, pad: 'same', dilations: 1, dataFormat: 'NHWC' };
        const fused = { ...conv, activation: 'relu' };
        const y = run('Conv2D', { x, filter: t([3, 3, 6, 4]) }, conv);
        run('FusedConv2D', { x, filter: t([3, 3, 6, 4]), bias: t([4]) }, fused);
        run('DepthwiseConv2dNative', { x, filter: t([3, 3, 6, 2]) }, conv);
        run('FusedDepthwiseConv2D', { x, filter: t([3, 3, 6, 2]), bias: t([12]) }, fused);
        run('Conv2DBackpropInput', { dy: y, filter: t([3, 3, 6, 4]) }, { ...conv, inputShape: x.shape });
        run('DepthwiseConv2dNativeBackpropInput', { dy: t([2, 5, 5, 12]), filter: t([3, 3, 6, 2]) }, {
          ...conv,
          inputShape: x.shape,
        });
        run('BatchMatMul', { a: t([3, 4, 5]), b: t([5, 6]) }, { transposeA: false, transposeB: false });
        run('_FusedMatMul', { a: t([4, 5]), b: t([5, 6]), bias: t([6]) }, { activation: 'elu' });
        const pooled = tf.maxPool(x as tf.Tensor4D, 2, 2, 'same');
        run('MaxPoolGrad', { dy: pooled, input: x, output: pooled }, { filterSize: 2, strides: 2, pad: 'same' });
        run('FusedBatchNorm', { x, mean: t([6]), variance: tf.ones([6]), scale: t([6]) }, { varianceEpsilon: 1e-3 });
        run('AvgPoolGrad', { dy: tf.avgPool(x as tf.Tensor4D, 3, 2, 'same'), input: x }, {
          filterSize: 3,
          strides: 2,
          pad: 'same',
        });
        run('Slice', { x }, { begin: [0, 1, 1, 0], size: [2, 8, 8, 6] });
        run('PadV2', { x }, { paddings: [[0, 0], [1, 0], [0, 1], [0, 0]], constantValue: 0 });
        // And one fallback: prelu.
        run('FusedConv2D', { x, filter: t([1, 1, 6, 4]), preluActivationWeights: t([4]) }, {
          ...conv,
          activation: 'prelu',
        });
      });
    }
    assert.is(fallbacks() - before, 3, 'only the prelu calls fall back');
    assert.is(tf.memory().numTensors, tensors);
    assert.is(tf.backend().numDataIds(), dataIds);
  });

  test('setNativeKernels(false) restores the previous kernels; true reinstalls them', async () => {
    const r = rng(38);
    const threads = addon.info().threads;
    const nativeFuncs = NATIVE_KERNELS.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    const k = convCase(r, false);
    const prelu = {
      kernel: 'FusedConv2D',
      inputs: {
        x: normal(r, k.xShape),
        filter: normal(r, k.filterShape),
        preluActivationWeights: normal(r, [k.outShape[3]]),
      },
      attrs: { ...k.attrs, activation: 'prelu' },
    };
    let wasmFuncs: unknown[] = [];
    try {
      assert.is(setNativeKernels(false), false);
      assert.not.ok(nativeKernelsActive());
      wasmFuncs = NATIVE_KERNELS.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
      NATIVE_KERNELS.forEach((name, i) => {
        assert.ok(wasmFuncs[i], `${name} has no wasm kernel left`);
        assert.is.not(wasmFuncs[i], nativeFuncs[i], `${name} is still native`);
      });
      assert.is(tf.getKernel('MaxPoolGrad', 'wasm')?.kernelFunc, maxPoolGrad, "gradlens's wasm MaxPoolGrad is back");
      // Neither a covered call nor one native would hand back touches the counters now.
      const before = { ...nativeFallbacks };
      await runOn('wasm', 'Conv2D', { x: prelu.inputs.x, filter: prelu.inputs.filter }, k.attrs);
      await runOn('wasm', prelu.kernel, prelu.inputs, prelu.attrs);
      assert.equal(nativeFallbacks, before);
    } finally {
      assert.ok(setNativeKernels(true, threads), 'reinstalling failed');
    }
    assert.ok(nativeKernelsActive());
    NATIVE_KERNELS.forEach((name, i) => {
      assert.is.not(tf.getKernel(name, 'wasm')?.kernelFunc, wasmFuncs[i], `${name} was not reinstalled`);
    });
    const reinstalled = NATIVE_KERNELS.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    assert.ok(setNativeKernels(true, threads));
    assert.equal(NATIVE_KERNELS.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc), reinstalled, 'not idempotent');
    await agree('Conv2D', { x: prelu.inputs.x, filter: prelu.inputs.filter }, k.attrs, k.label);
    await agree(prelu.kernel, prelu.inputs, prelu.attrs, `prelu ${k.label}`, true);
  });

  test('two oneDNN threads give the same answers', async () => {
    const r = rng(39);
    const threads = addon.info().threads;
    setNativeKernels(true, 2);
    try {
      assert.is(addon.info().threads, 2);
      for (let i = 0; i < 4; i++) {
        const k = convCase(r, i % 2 === 1);
        const name = i % 2 ? 'DepthwiseConv2dNative' : 'Conv2D';
        await agree(name, { x: normal(r, k.xShape), filter: normal(r, k.filterShape) }, k.attrs, k.label);
      }
    } finally {
      setNativeKernels(true, threads);
    }
    assert.is(addon.info().threads, threads);
  });
}
