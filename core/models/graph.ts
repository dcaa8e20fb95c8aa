import type { tf } from '../tensor/tf.ts';
import { splitFusedGraph } from '../engine/input-gradients.ts';
import { GradlensError } from '../errors/errors.ts';
import type { ForwardOptions, LoadedModel, ModelOutputInfo } from '../plugins/types.ts';

interface GraphNode {
  name: string;
  op: string;
  input?: string[];
}

export interface GraphAdapterOptions {
  classNames?: string[];
  /** `pre-softmax` (default) reads the input of a final Softmax node instead of its output. */
  scores?: 'pre-softmax' | 'as-is';
  /** Output node names to expose (default: the model's outputs). */
  outputs?: string[];
  describe?: Record<string, unknown>;
}

/**
 * Adapts a tfjs GraphModel (from tensorflowjs_converter). Outputs that end in a Softmax node are
 * read at the Softmax's input by default, so gradients are of unnormalised class scores. Layer
 * hooks are not available for graph models.
 */
export function fromGraphModel(model: tf.GraphModel, options: GraphAdapterOptions = {}): LoadedModel {
  const mode = options.scores ?? 'pre-softmax';
  const artifacts = (model as unknown as { artifacts?: tf.io.ModelArtifacts }).artifacts;
  const topology = artifacts?.modelTopology as { node?: GraphNode[] } | undefined;
  const nodes = new Map((topology?.node ?? []).map((n) => [n.name, n]));
  const declared = options.outputs ?? model.outputs.map((o) => o.name);
  const fetches: string[] = [];
  const outputs: ModelOutputInfo[] = declared.map((name, i) => {
    const softmax = findSoftmax(nodes, stripPort(name));
    const shape = (model.outputs[i]?.shape ?? []).slice(1).map((d) => (d === -1 ? null : d));
    if (softmax && mode === 'pre-softmax') {
      fetches.push(softmax.input);
      return {
        name: stripPort(name),
        shape,
        scores: 'pre-softmax',
        note: `softmax node '${softmax.node}' bypassed: scores read at its input '${softmax.input}'`,
      };
    }
    fetches.push(name);
    return {
      name: stripPort(name),
      shape,
      scores: softmax ? 'post-softmax' : 'unknown',
      note: softmax
        ? `softmax node '${softmax.node}' kept (scores: as-is)`
        : 'no softmax node found before this output',
    };
  });
  const inputShape = (model.inputs[0]?.shape ?? []).slice(1).map((d) => (d === -1 ? null : d));

  return {
    inputShape,
    outputs,
    classNames: options.classNames,
    layers: () => [],
    forward(x: tf.Tensor, forwardOptions?: ForwardOptions) {
      if (forwardOptions?.hooks && Object.keys(forwardOptions.hooks).length > 0) {
        throw new GradlensError('graph models do not support layer hooks; use a LayersModel for layer methods');
      }
      // Under a gradient tape, fused nodes differentiate only with respect to their input.
      const undo = splitFusedGraph(model);
      let result: tf.Tensor | tf.Tensor[];
      try {
        result = model.execute(x, fetches) as tf.Tensor | tf.Tensor[];
      } finally {
        undo();
      }
      const list = Array.isArray(result) ? result : [result];
      return Object.fromEntries(list.map((t, i) => [outputs[i].name, t]));
    },
    dispose: () => model.dispose(),
    describe: () => ({ format: 'tfjs-graph', nodes: nodes.size, ...options.describe }),
  };
}

function stripPort(name: string): string {
  return name.replace(/:\d+$/, '');
}

/** Follows Identity nodes back from an output to a Softmax, if there is one. */
function findSoftmax(nodes: Map<string, GraphNode>, name: string): { node: string; input: string } | undefined {
  let node = nodes.get(name);
  for (let hops = 0; node && hops < 8; hops++) {
    if (node.op === 'Softmax') return { node: node.name, input: stripPort(node.input?.[0] ?? '') };
    if (node.op !== 'Identity' || !node.input?.[0]) return undefined;
    node = nodes.get(stripPort(node.input[0]));
  }
  return undefined;
}
