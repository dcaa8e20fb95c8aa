/**
 * Input-only gradients through fused ops.
 *
 * tfjs evaluates `fused.conv2d`, `fused.depthwiseConv2d` and `fused.matMul` with a linear
 * activation through a `customGrad` whose backward pass computes the derivatives of *every*
 * input eagerly: the filter (`Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter`, a
 * transposed MatMul) and the bias, even when `tf.grad` only asks for the input. (With a
 * non-linear activation tfjs already splits the op under a gradient tape.) Attributions only
 * need d(score)/d(input), so while a gradient tape is recording, gradlens evaluates these ops
 * split into the plain op + bias add + activation: their registered gradients are lazy, and the
 * engine calls only those on the path from the input. The forward values and the input gradient
 * are the same kernels as tfjs's fused gradient runs, so results are unchanged.
 *
 * Outside a gradient tape (plain forward passes) nothing changes: the fast fused kernels run.
 * Tfjs-layers: Conv2D and Dense always call the fused ops (also without an activation); a
 * ReLU layer with maxValue 6 evaluates as one Relu6 (same values, half the passes).
 * Graph models: `_FusedConv2D`, `FusedDepthwiseConv2dNative` and `_FusedMatMul` nodes.
 */
import { tf } from '../tensor/tf.ts';

/** True while `tf.grad` / `tf.grads` / `variableGrads` are recording the function being run. */
export function recordingGradients(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}

/** Applies a fused activation name as the separate op tfjs would use (`linear` when absent). */
function activate(y: tf.Tensor, activation: string | undefined, alpha?: tf.Tensor, leaky?: number): tf.Tensor {
  switch ((activation ?? 'linear').toLowerCase()) {
    case 'linear':
      return y;
    case 'relu':
      return tf.relu(y);
    case 'relu6':
      return tf.relu6(y);
    case 'elu':
      return tf.elu(y);
    case 'sigmoid':
      return tf.sigmoid(y);
    case 'leakyrelu':
      return tf.leakyRelu(y, leaky ?? 0.2);
    case 'prelu':
      if (!alpha) throw new Error('prelu activation without weights');
      return tf.prelu(y, alpha);
    default:
      throw new Error(`unsupported fused activation '${activation}'`);
  }
}

// ---------------------------------------------------------------------------------------------
// tfjs-layers

/** The tfjs-layers internals read here (public in the JS, untyped in the .d.ts). */
interface LayerLike {
  getClassName(): string;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
  activation?: { apply(x: tf.Tensor): tf.Tensor } | null;
  kernel?: { read(): tf.Tensor };
  bias?: { read(): tf.Tensor } | null;
  rank?: number;
  strides?: number[];
  padding?: string;
  dataFormat?: string;
  dilationRate?: number | number[];
  layers?: LayerLike[];
  maxValue?: number | null;
}

/**
 * For the duration of a forward pass, makes the Conv2D and Dense layers of `layers` (and of
 * nested models) evaluate unfused while a gradient tape records. Returns the undo.
 */
export function splitFusedLayers(layers: readonly unknown[]): () => void {
  const undo: (() => void)[] = [];
  const visit = (list: readonly unknown[]) => {
    for (const item of list) {
      const layer = item as LayerLike;
      const split = splitCall(layer);
      if (split) undo.push(replaceCall(layer, split));
      if (Array.isArray(layer.layers)) visit(layer.layers);
    }
  };
  visit(layers);
  return () => {
    for (const u of undo.reverse()) u();
  };
}

type Call = LayerLike['call'];

function splitCall(layer: LayerLike): ((original: Call) => Call) | undefined {
  const name = layer.getClassName();
  if (name === 'Conv2D' && layer.rank === 2) return (original) => unfusedWhenTaped(layer, original, conv2dLayer);
  if (name === 'Dense') return (original) => unfusedWhenTaped(layer, original, denseLayer);
  // ReLU(maxValue: 6) is Relu then ClipByValue: two forward passes and two gradients, where
  // Relu6 is one of each with the same values (0 < x <= 6 passes the gradient either way).
  if (name === 'ReLU' && layer.maxValue === 6) {
    return (original) => (inputs, kwargs) =>
      recordingGradients()
        ? tf.relu6(Array.isArray(inputs) ? inputs[0] : inputs)
        : original.call(layer, inputs, kwargs);
  }
  return undefined;
}

function unfusedWhenTaped(layer: LayerLike, original: Call, unfused: (l: LayerLike, x: tf.Tensor) => tf.Tensor): Call {
  return (inputs, kwargs) => {
    if (!recordingGradients()) return original.call(layer, inputs, kwargs);
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => {
      const y = unfused(layer, x);
      return layer.activation ? layer.activation.apply(y) : y;
    });
  };
}

/** Conv2D before its activation, as tfjs-layers' `conv2dWithBiasActivation` computes it. */
function conv2dLayer(layer: LayerLike, x: tf.Tensor): tf.Tensor {
  const channelsFirst = layer.dataFormat === 'channelsFirst';
  const input = (channelsFirst ? tf.transpose(x, [0, 2, 3, 1]) : x) as tf.Tensor4D;
  const dilations = layer.dilationRate ?? 1;
  let y: tf.Tensor = tf.conv2d(
    input,
    layer.kernel!.read() as tf.Tensor4D,
    layer.strides as [number, number],
    layer.padding === 'same' ? 'same' : 'valid',
    'NHWC',
    dilations as number | [number, number],
  );
  if (layer.bias) y = tf.add(y, layer.bias.read());
  return channelsFirst ? tf.transpose(y, [0, 3, 1, 2]) : y;
}

/** Dense before its activation, as tfjs-layers' `K.dot` computes it (inputs of any rank >= 2). */
function denseLayer(layer: LayerLike, x: tf.Tensor): tf.Tensor {
  const kernel = layer.kernel!.read() as tf.Tensor2D;
  const lead = x.shape.slice(0, -1);
  let y: tf.Tensor = tf.matMul(x.rank === 2 ? x as tf.Tensor2D : tf.reshape(x, [-1, x.shape[x.rank - 1]]), kernel);
  if (layer.bias) y = tf.add(y, layer.bias.read());
  return x.rank === 2 ? y : tf.reshape(y, [...lead, kernel.shape[1]]);
}

function replaceCall(layer: LayerLike, make: (original: Call) => Call): () => void {
  const own = Object.prototype.hasOwnProperty.call(layer, 'call');
  const previous = layer.call;
  layer.call = make(previous);
  return () => {
    if (own) layer.call = previous;
    else delete (layer as Partial<LayerLike>).call;
  };
}

// ---------------------------------------------------------------------------------------------
// Graph models

/** The converter's node record (internal): `category` selects the executor. */
interface GraphNodeLike {
  op: string;
  category: string;
}

/** Converter ops with a fused `customGrad`, and the custom op gradlens runs in their place. */
const GRAPH_SPLITS: Record<string, string> = {
  _FusedConv2D: 'GradlensSplitConv2D',
  FusedDepthwiseConv2dNative: 'GradlensSplitDepthwiseConv2D',
  _FusedMatMul: 'GradlensSplitMatMul',
};

interface NodeValue {
  inputs: tf.Tensor[];
  attrs: Record<string, unknown>;
}

let registered = false;

function registerGraphOps(): void {
  if (registered) return;
  registered = true;
  tf.registerOp(GRAPH_SPLITS._FusedConv2D, (node) => [splitConv(node as NodeValue, false)]);
  tf.registerOp(GRAPH_SPLITS.FusedDepthwiseConv2dNative, (node) => [splitConv(node as NodeValue, true)]);
  tf.registerOp(GRAPH_SPLITS._FusedMatMul, (node) => [splitMatMul(node as NodeValue)]);
}

/** `[extra op, activation]` of a fused node, lower case, e.g. `['biasadd', 'relu']`. */
function fusedOps(node: NodeValue): { bias?: tf.Tensor; alpha?: tf.Tensor; activation?: string } {
  const [extra, activation] = ((node.attrs.fused_ops as string[] | undefined) ?? []).map((s) => s.toLowerCase());
  const args = node.inputs.slice(2);
  if (extra === 'biasadd') return { bias: args[0], alpha: args[1], activation };
  if (extra === 'fusedbatchnorm') throw new Error('fused conv with FusedBatchNorm is not supported by tfjs');
  // No bias: the first extra argument (if any) is the prelu weight, as the converter reads it.
  return { alpha: args[0], activation: extra };
}

function splitConv(node: NodeValue, depthwise: boolean): tf.Tensor {
  const [x, filter] = node.inputs;
  const a = node.attrs;
  const format = String(a.data_format ?? 'nhwc').toLowerCase();
  if (format !== 'nhwc') throw new Error(`gradlens: fused conv with data_format ${format} is not supported`);
  const strides = (a.strides as number[] | undefined) ?? [1, 1, 1, 1];
  const dilations = (a.dilations as number[] | undefined) ?? [1, 1, 1, 1];
  const padding = String(a.padding ?? 'valid').toLowerCase();
  const explicit = (a.explicit_paddings as number[] | undefined) ?? [];
  const pad = padding === 'explicit'
    ? [0, 1, 2, 3].map((i) => [explicit[2 * i], explicit[2 * i + 1]]) as tf.backend_util.ExplicitPadding
    : padding as 'same' | 'valid';
  const { bias, alpha, activation } = fusedOps(node);
  const s: [number, number] = [strides[1], strides[2]];
  const d: [number, number] = [dilations[1], dilations[2]];
  let y: tf.Tensor = depthwise
    ? tf.depthwiseConv2d(x as tf.Tensor4D, filter as tf.Tensor4D, s, pad, 'NHWC', d)
    : tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, s, pad, 'NHWC', d);
  if (bias) y = tf.add(y, bias);
  return activate(y, activation, alpha, a.leakyrelu_alpha as number | undefined);
}

function splitMatMul(node: NodeValue): tf.Tensor {
  const [x, w] = node.inputs;
  const a = node.attrs;
  const { bias, alpha, activation } = fusedOps(node);
  let y: tf.Tensor = tf.matMul(x, w, Boolean(a.transpose_a), Boolean(a.transpose_b));
  if (bias) y = tf.add(y, bias);
  return activate(y, activation, alpha, a.leakyrelu_alpha as number | undefined);
}

/**
 * While a gradient tape records, routes the fused nodes of a graph model to split custom ops
 * for the duration of one `execute`. Returns the undo (a no-op outside a tape).
 */
export function splitFusedGraph(model: tf.GraphModel): () => void {
  if (!recordingGradients()) return () => {};
  registerGraphOps();
  const nodes = graphNodes(model);
  const changed: [GraphNodeLike, string, string][] = [];
  for (const node of nodes) {
    const replacement = GRAPH_SPLITS[node.op];
    if (!replacement) continue;
    changed.push([node, node.op, node.category]);
    node.op = replacement;
    node.category = 'custom';
  }
  return () => {
    for (const [node, op, category] of changed) {
      node.op = op;
      node.category = category;
    }
  };
}

/** The executor's nodes (tfjs-converter internals: `executor.graph.nodes`). */
function graphNodes(model: tf.GraphModel): GraphNodeLike[] {
  const executor = (model as unknown as { executor?: { graph?: { nodes?: Record<string, GraphNodeLike> } } }).executor;
  return Object.values(executor?.graph?.nodes ?? {});
}
