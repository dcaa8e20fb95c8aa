/**
 * A small converter-style GraphModel built in memory, with the fused nodes tensorflowjs_converter
 * emits: `_FusedConv2D` (BiasAdd), `FusedDepthwiseConv2dNative` (BiasAdd + Relu) and
 * `_FusedMatMul` (BiasAdd). Input `x` `[N, 8, 8, 3]`, output `logits` `[N, 5]`.
 */
import { tf } from '../../../core/tensor/tf.ts';

const b64 = (s: string) => btoa(s);
const ints = (...i: number[]) => ({ list: { i: i.map(String) } });
const float = { type: 'DT_FLOAT' };

function constNode(name: string) {
  return { name, op: 'Const', attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT' } } } };
}

function fused(name: string, op: string, input: string[], ops: string[], extra: Record<string, unknown> = {}) {
  return {
    name,
    op,
    input,
    attr: {
      T: float,
      fused_ops: { list: { s: ops.map(b64) } },
      num_args: { i: '1' },
      epsilon: { f: 0 },
      ...extra,
    },
  };
}

const conv = (strides: number[]) => ({
  strides: ints(...strides),
  padding: { s: b64('SAME') },
  data_format: { s: b64('NHWC') },
  dilations: ints(1, 1, 1, 1),
});

/** Builds the model with weights drawn from `seed`. */
export function fusedGraphModel(seed = 1): tf.GraphModel<tf.io.IOHandlerSync> {
  const shapes: Record<string, number[]> = {
    w1: [3, 3, 3, 4],
    b1: [4],
    w2: [3, 3, 4, 1],
    b2: [4],
    w3: [64, 5],
    b3: [5],
  };
  const values = Object.values(shapes).map((shape, i) =>
    tf.tidy(() => tf.randomNormal(shape, 0, 0.5, 'float32', seed + i).dataSync() as Float32Array)
  );
  const node = [
    {
      name: 'x',
      op: 'Placeholder',
      attr: { dtype: float, shape: { shape: { dim: [-1, 8, 8, 3].map((size) => ({ size: String(size) })) } } },
    },
    ...Object.keys(shapes).map(constNode),
    {
      name: 'flat_shape',
      op: 'Const',
      attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32' } } },
    },
    fused('conv', '_FusedConv2D', ['x', 'w1', 'b1'], ['BiasAdd'], conv([1, 1, 1, 1])),
    fused('dw', 'FusedDepthwiseConv2dNative', ['conv', 'w2', 'b2'], ['BiasAdd', 'Relu'], conv([1, 2, 2, 1])),
    { name: 'flat', op: 'Reshape', input: ['dw', 'flat_shape'], attr: { T: float, Tshape: { type: 'DT_INT32' } } },
    fused('logits', '_FusedMatMul', ['flat', 'w3', 'b3'], ['BiasAdd'], {
      transpose_a: { b: false },
      transpose_b: { b: false },
    }),
  ];
  const weightSpecs: tf.io.WeightsManifestEntry[] = [
    ...Object.entries(shapes).map(([name, shape]) => ({ name, shape, dtype: 'float32' as const })),
    { name: 'flat_shape', shape: [2], dtype: 'int32' },
  ];
  const parts = [...values.map((v) => new Uint8Array(v.buffer)), new Uint8Array(new Int32Array([-1, 64]).buffer)];
  const weightData = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    weightData.set(p, offset);
    offset += p.length;
  }
  return tf.loadGraphModelSync(
    tf.io.fromMemorySync({
      modelTopology: { node, versions: { producer: 1 } },
      weightSpecs,
      weightData: weightData.buffer,
    }),
  );
}
