import { z } from 'zod';
import {
  fromGraphModel,
  GradlensError,
  memoryHandler,
  type ModelPlugin,
  pathOption,
  readModelFiles,
  resolvePath,
  tf,
} from '../../core/index.ts';

/** The graph-model plugin's options. */
export interface GraphModelOptions {
  path: string;
  classNames?: string[];
  scores: 'pre-softmax' | 'as-is';
  outputs?: string[];
}

const Options: z.ZodType<GraphModelOptions> = z.object({
  /** Path of the `model.json` written by tensorflowjs_converter (`format: graph-model`). */
  path: pathOption('file', 'model.json'),
  classNames: z.array(z.string()).optional(),
  scores: z.enum(['pre-softmax', 'as-is']).default('pre-softmax'),
  /** Output node names to expose (default: the model's outputs). */
  outputs: z.array(z.string()).optional(),
}).strict();

/** A tfjs GraphModel read from disk. */
export const graphModel: ModelPlugin<GraphModelOptions> = {
  kind: 'model',
  name: 'graph-model',
  description: 'A tfjs GraphModel (tensorflowjs_converter output) from a model.json path.',
  options: Options,
  async load(options, context) {
    const files = readModelFiles(resolvePath(options.path, context.baseDir));
    if (files.json.format && files.json.format !== 'graph-model') {
      throw new GradlensError(`format '${files.json.format}' is not a GraphModel; use the layers-model plugin`, {
        where: files.path,
      });
    }
    let model: tf.GraphModel;
    try {
      model = await tf.loadGraphModel(memoryHandler(files.artifacts));
    } catch (error) {
      throw new GradlensError(`cannot build the GraphModel: ${(error as Error).message.split('\n')[0]}`, {
        where: files.path,
      });
    }
    return fromGraphModel(model, {
      classNames: options.classNames,
      scores: options.scores,
      outputs: options.outputs,
      describe: { path: files.path },
    });
  },
};

export default graphModel;
