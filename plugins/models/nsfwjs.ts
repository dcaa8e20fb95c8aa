import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  codeOption,
  fromGraphModel,
  fromLayersModel,
  GradlensError,
  type LoadedModel,
  memoryHandler,
  type ModelPlugin,
  resolvePath,
  tf,
} from '../../core/index.ts';

/**
 * The two MobileNetV2 classifiers the npm package `nsfwjs` ships inside itself:
 * - `layers`: `dist/models/mobilenet_v2/`, a Keras MobileNetV2 (alpha 1.0) as a tfjs LayersModel;
 * - `graph`: `dist/models/mobilenet_v2_mid/`, a TF-Hub MobileNetV2 (alpha 1.4, 48 stem filters)
 *   converted to a tfjs GraphModel (the package's `MobileNetV2Mid`).
 * Both take `[N, 224, 224, 3]` RGB scaled to [0, 1] (nsfwjs divides pixels by 255) and end in a
 * 5-way softmax. Their weights are uint8-quantised.
 */
export type NsfwFormat = 'layers' | 'graph';

const FOLDERS: Record<NsfwFormat, string> = { layers: 'mobilenet_v2', graph: 'mobilenet_v2_mid' };

/** What nsfwjs does to an image before its model sees it (`infer` in its core.js). */
export const NSFWJS_PREPROCESSING = 'RGB pixels / 255, in [0, 1]; bilinear resize to 224x224 (align corners)';

/** The model.json object as the package bundles it. */
interface BundledModelJson {
  modelTopology: tf.io.ModelArtifacts['modelTopology'];
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  userDefinedMetadata?: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** The nsfwjs-mobilenet-v2 plugin's options. */
export interface NsfwjsOptions {
  format: 'layers' | 'graph';
  scores: 'pre-softmax' | 'as-is';
  packageDir?: string;
}

const Options: z.ZodType<NsfwjsOptions> = z.object({
  /** `layers`: MobileNetV2 as a LayersModel (layer hooks, Grad-CAM); `graph`: the GraphModel. */
  format: z.enum(['layers', 'graph']).default('layers'),
  /** `pre-softmax` (default) bypasses the final softmax; `as-is` keeps it. */
  scores: z.enum(['pre-softmax', 'as-is']).default('pre-softmax'),
  /** The nsfwjs package directory (default: found in node_modules above this file or the cwd). */
  packageDir: codeOption().optional(),
}).strict();

/**
 * Finds the installed nsfwjs package: the given directory, else the first `node_modules/nsfwjs`
 * above this file or above the working directory.
 */
export function findNsfwjs(packageDir?: string, baseDir = process.cwd()): string {
  const candidates: string[] = [];
  if (packageDir) candidates.push(resolvePath(packageDir, baseDir));
  else {
    for (const start of [dirname(fileURLToPath(import.meta.url)), baseDir]) {
      for (let dir = resolve(start);; dir = dirname(dir)) {
        candidates.push(join(dir, 'node_modules', 'nsfwjs'));
        if (dirname(dir) === dir) break;
      }
    }
  }
  const found = candidates.find((dir) => existsSync(join(dir, 'dist', 'models')));
  if (!found) {
    throw new GradlensError('the nsfwjs package is not installed; run `npm install -D nsfwjs`', {
      where: packageDir ?? 'node_modules/nsfwjs',
    });
  }
  return found;
}

/**
 * Reads one of the package's bundled models into tfjs ModelArtifacts, offline. The package ships
 * `model.min.js` and `group1-shardKofN.min.js` as browserify UMD modules exporting the model.json
 * object and each shard's bytes as base64; they are CommonJS, so `require` evaluates them on Node
 * and Deno alike (no browser API, no network).
 */
export function readNsfwArtifacts(format: NsfwFormat, packageDir?: string): {
  artifacts: tf.io.ModelArtifacts;
  dir: string;
  version: string;
  classNames: string[];
} {
  const root = findNsfwjs(packageDir);
  const dir = join(root, 'dist', 'models', FOLDERS[format]);
  const require = createRequire(join(root, 'package.json'));
  const load = (file: string): unknown => {
    const path = join(dir, file);
    if (!existsSync(path)) {
      throw new GradlensError('file missing from the nsfwjs package; reinstall it', { where: path });
    }
    return require(path);
  };
  const json = load('model.min.js') as BundledModelJson;
  if (typeof json?.modelTopology !== 'object' || !Array.isArray(json.weightsManifest)) {
    throw new GradlensError('not a tfjs model.json bundle (no modelTopology/weightsManifest)', {
      where: join(dir, 'model.min.js'),
    });
  }
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    for (const shard of group.paths) {
      const base64 = load(`${shard}.min.js`);
      if (typeof base64 !== 'string') {
        throw new GradlensError('weights bundle does not export a base64 string', { where: join(dir, shard) });
      }
      parts.push(decodeBase64(base64));
    }
    weightSpecs.push(...group.weights);
  }
  const weightData = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    weightData.set(p, offset);
    offset += p.length;
  }
  const metadata = json.userDefinedMetadata;
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    weightSpecs,
    weightData: weightData.buffer,
    userDefinedMetadata: metadata as tf.io.ModelArtifacts['userDefinedMetadata'],
    signature: metadata?.signature as tf.io.ModelArtifacts['signature'],
  };
  const classes = (require(join(root, 'dist', 'cjs', 'nsfw_classes.js')) as {
    NSFW_CLASSES: Record<number, string>;
  }).NSFW_CLASSES;
  const classNames = Object.keys(classes).map(Number).sort((a, b) => a - b).map((i) => classes[i]);
  const version = (require(join(root, 'package.json')) as { version: string }).version;
  return { artifacts, dir, version, classNames };
}

/**
 * Loads nsfwjs's MobileNetV2 (`layers`) or MobileNetV2Mid (`graph`) from the installed package,
 * offline, as a gradlens {@link LoadedModel}: input `[N, 224, 224, 3]` in [0, 1], output
 * `scores` with 5 classes (Drawing, Hentai, Neutral, Porn, Sexy), the softmax bypassed unless
 * `scores: 'as-is'`.
 */
export async function loadNsfwMobileNet(
  format: NsfwFormat = 'layers',
  options: { scores?: 'pre-softmax' | 'as-is'; packageDir?: string } = {},
): Promise<LoadedModel> {
  const { artifacts, dir, version, classNames } = readNsfwArtifacts(format, options.packageDir);
  const describe = { source: `nsfwjs@${version}`, path: dir, preprocessing: NSFWJS_PREPROCESSING };
  try {
    if (format === 'graph') {
      const model = await tf.loadGraphModel(memoryHandler(artifacts));
      return fromGraphModel(model, { classNames, scores: options.scores, describe });
    }
    const model = await tf.loadLayersModel(memoryHandler(artifacts));
    return fromLayersModel(model, { classNames, scores: options.scores, describe });
  } catch (error) {
    throw new GradlensError(`cannot build the ${format} model: ${(error as Error).message.split('\n')[0]}`, {
      where: dir,
    });
  }
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** nsfwjs's MobileNetV2 classifiers (Drawing, Hentai, Neutral, Porn, Sexy) read from the npm package. */
export const nsfwjsModel: ModelPlugin<NsfwjsOptions> = {
  kind: 'model',
  name: 'nsfwjs-mobilenet-v2',
  description:
    "nsfwjs's ImageNet-pretrained MobileNetV2 (224x224 RGB in [0, 1], 5 classes) from the installed npm package: format 'layers' (LayersModel) or 'graph' (MobileNetV2Mid GraphModel).",
  options: Options,
  load: (options, context) =>
    loadNsfwMobileNet(options.format, {
      scores: options.scores,
      packageDir: options.packageDir ? resolvePath(options.packageDir, context.baseDir) : undefined,
    }),
};

export default nsfwjsModel;
