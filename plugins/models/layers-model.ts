import { z } from 'zod';
import {
  fromLayersModel,
  GradlensError,
  memoryHandler,
  type ModelPlugin,
  pathOption,
  readModelFiles,
  resolvePath,
  tf,
} from '../../core/index.ts';

/** The layers-model plugin's options. */
export interface LayersModelOptions {
  path: string;
  classNames?: string[];
  scores: 'pre-softmax' | 'as-is';
}

const Options: z.ZodType<LayersModelOptions> = z.object({
  /** Path of the `model.json` saved by `model.save` or tensorflowjs_converter (Keras format). */
  path: pathOption('file', 'model.json'),
  classNames: z.array(z.string()).optional(),
  /** `pre-softmax` (default) bypasses a softmax on output layers; `as-is` keeps it. */
  scores: z.enum(['pre-softmax', 'as-is']).default('pre-softmax'),
}).strict();

/** A tfjs LayersModel read from disk (model.json plus weight shards). */
export const layersModel: ModelPlugin<LayersModelOptions> = {
  kind: 'model',
  name: 'layers-model',
  description: 'A tfjs LayersModel from a model.json path (weights shards read from disk).',
  options: Options,
  async load(options, context) {
    const files = readModelFiles(resolvePath(options.path, context.baseDir));
    if (files.json.format === 'graph-model') {
      throw new GradlensError("this model.json is a GraphModel ('format': 'graph-model'); use the graph-model plugin", {
        where: files.path,
      });
    }
    let model: tf.LayersModel;
    try {
      model = await tf.loadLayersModel(memoryHandler(files.artifacts));
    } catch (error) {
      throw new GradlensError(`cannot build the LayersModel: ${(error as Error).message.split('\n')[0]}`, {
        where: files.path,
      });
    }
    const metadata = files.json.userDefinedMetadata as { classNames?: unknown } | undefined;
    const classNames = options.classNames ??
      (Array.isArray(metadata?.classNames) ? (metadata.classNames as string[]) : undefined);
    return fromLayersModel(model, { classNames, scores: options.scores, describe: { path: files.path } });
  },
};

export default layersModel;
