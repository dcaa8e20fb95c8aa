import { z } from 'zod';
import {
  codeOption,
  GradlensError,
  importModule,
  type ModelPlugin,
  resolvePath,
  toLoadedModel,
} from '../../core/index.ts';

/** The module-model plugin's options. */
export interface ModuleModelOptions {
  module: string;
  export: string;
  args?: unknown;
}

const Options: z.ZodType<ModuleModelOptions> = z.object({
  /** Path of a TypeScript or JavaScript module. */
  module: codeOption(),
  /** The export to use (default: `default`). */
  export: z.string().default('default'),
  /** Passed to the export when it is a factory function. */
  args: z.unknown().optional(),
}).strict();

/**
 * A model defined in a user's module. The export is a tfjs LayersModel or GraphModel, an object
 * `{ inputShape, predict(x), outputNames?, classNames? }`, or a (possibly async) factory taking
 * `args` and returning one of those.
 */
export const moduleModel: ModelPlugin<ModuleModelOptions> = {
  kind: 'model',
  name: 'module-model',
  description: 'A model defined in a TypeScript/JavaScript module: { inputShape, predict(x) } or a factory.',
  options: Options,
  async load(options, context) {
    const path = resolvePath(options.module, context.baseDir);
    let mod: Record<string, unknown>;
    try {
      mod = await importModule(path, context.baseDir);
    } catch (error) {
      if (error instanceof GradlensError) throw error;
      throw new GradlensError(`cannot import model module: ${(error as Error).message.split('\n')[0]}`, {
        where: path,
      });
    }
    let value = mod[options.export];
    if (value === undefined) {
      throw new GradlensError(`module has no export '${options.export}'; exports: ${Object.keys(mod).join(', ')}`, {
        where: path,
      });
    }
    if (typeof value === 'function') value = await (value as (args: unknown) => unknown)(options.args);
    try {
      return toLoadedModel(value);
    } catch (error) {
      throw new GradlensError((error as Error).message, { where: `${path} (export '${options.export}')` });
    }
  },
};

export default moduleModel;
