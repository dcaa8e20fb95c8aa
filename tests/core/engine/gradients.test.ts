import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../../core/engine/backend.ts';
import { registerGradients, restoreStockGradients } from '../../../core/engine/gradients.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { simdMask } from '../../../core/engine/wasm/simd.ts';
import { rng } from '../../helpers/fixtures.ts';

const test = suite('engine gradients (batch norm, ReLU)');
let previous = '';
test.before(async () => {
  await initBackend();
  previous = tf.getBackend();
});
test.after(async () => {
  registerGradients();
  await tf.setBackend(previous);
});

const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** Gradients of sum(f(inputs) * w) with respect to every input, as arrays, with stock or gradlens gradients. */
function gradients(stock: boolean, f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], w: tf.Tensor) {
  if (stock) restoreStockGradients();
  else registerGradients();
  try {
    return tf.tidy(() =>
      tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), w)))(inputs).map((g) => g.arraySync())
    );
  } finally {
    registerGradients();
  }
}

function compare(a: unknown, b: unknown, label: string): void {
  const fa = [a].flat(5) as number[];
  const fb = [b].flat(5) as number[];
  assert.is(fa.length, fb.length, label);
  const scale = Math.max(1, ...fb.filter((v) => !Number.isNaN(v)).map(Math.abs));
  for (let i = 0; i < fa.length; i++) {
    if (Number.isNaN(fb[i])) assert.ok(Number.isNaN(fa[i]), `${label}: [${i}] ${fa[i]} vs NaN`);
    else assert.ok(Math.abs(fa[i] - fb[i]) <= 1e-5 * scale, `${label}: [${i}] ${fa[i]} vs ${fb[i]}`);
  }
}

for (const backend of ['wasm', 'cpu']) {
  test(`${backend}: batch norm gradients (x, mean, variance, scale, offset) match tfjs on random shapes`, async () => {
    await initBackend(backend);
    const r = rng(7);
    for (let k = 0; k < 12; k++) {
      const rank = int(r, 2, 4);
      const shape = Array.from({ length: rank }, () => int(r, 1, 6));
      const c = shape[rank - 1];
      const seed = 100 + k;
      tf.tidy(() => {
        const x = tf.randomNormal(shape, 0, 2, 'float32', seed);
        const mean = tf.randomNormal([c], 0, 1, 'float32', seed + 1);
        const variance = tf.randomUniform([c], 0.1, 3, 'float32', seed + 2);
        const offset = tf.randomNormal([c], 0, 1, 'float32', seed + 3);
        const scale = tf.randomNormal([c], 1, 0.5, 'float32', seed + 4);
        const w = tf.randomNormal(shape, 0, 1, 'float32', seed + 5);
        const eps = k % 2 ? 1e-3 : 1e-5;
        const f = (x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
          tf.batchNorm(x, m as tf.Tensor1D, v as tf.Tensor1D, o as tf.Tensor1D, s as tf.Tensor1D, eps);
        const inputs = [x, mean, variance, offset, scale];
        const ours = gradients(false, f, inputs, w);
        const stock = gradients(true, f, inputs, w);
        ours.forEach((g, i) => compare(g, stock[i], `[${shape}] input ${i}`));
      });
    }
  });

  test(`${backend}: Relu, Relu6 and ClipByValue gradients match tfjs, at 0 and 6 and NaN too`, async () => {
    await initBackend(backend);
    const r = rng(11);
    for (let k = 0; k < 10; k++) {
      const shape = k === 0 ? [3, 37, 41] : Array.from({ length: int(r, 1, 4) }, () => int(r, 1, 7));
      const n = shape.reduce((a, b) => a * b, 1);
      // Values around the kinks, with exact 0, 6 and a NaN.
      const values = Float32Array.from(
        { length: n },
        (_, i) => i % 7 === 0 ? 0 : i % 11 === 0 ? 6 : i % 13 === 0 ? -1.5 : i % 17 === 0 ? 2 : 16 * r() - 5,
      );
      if (n > 3) values[3] = NaN;
      tf.tidy(() => {
        const x = tf.tensor(values, shape);
        const w = tf.randomNormal(shape, 0, 1, 'float32', k);
        for (const f of [tf.relu, tf.relu6, (t: tf.Tensor) => tf.clipByValue(t, -1.5, 2)]) {
          compare(gradients(false, f, [x], w)[0], gradients(true, f, [x], w)[0], `${f.name || 'clip'} [${shape}] ${k}`);
        }
      });
    }
  });
}

test('the one-pass ReLU gradient kernel is what runs on wasm', async () => {
  await initBackend('wasm');
  const x = tf.tensor([-1, 0.5, 7]);
  const { kernelNames } = await tf.profile(() => tf.grad((v: tf.Tensor) => tf.sum(tf.relu6(v)))(x));
  x.dispose();
  assert.ok(kernelNames.includes('GradlensMaskGrad'), kernelNames.join());
  assert.not.ok(kernelNames.includes('LessEqual'), kernelNames.join());
  const memory = (tf.backend() as unknown as { wasm: { asm?: { memory?: WebAssembly.Memory } } }).wasm.asm?.memory;
  assert.ok(simdMask(memory), 'the SIMD loop loads on the wasm backend memory');
});

test('wasm Identity shares the buffer and keeps it alive after the source is disposed', async () => {
  await initBackend('wasm');
  const x = tf.tensor([1, 2, 3, 4]);
  const y = tf.engine().runKernel('Identity', { x }) as tf.Tensor;
  x.dispose();
  assert.equal(Array.from(await y.data()), [1, 2, 3, 4]);
  y.dispose();
});

test.run();
