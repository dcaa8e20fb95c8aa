import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { z } from 'zod';
import {
  type Batch,
  type DatasetPlugin,
  decodeImageFile,
  GradlensError,
  pathOption,
  resolvePath,
  tf,
} from '../../core/index.ts';

/** The image-folder dataset's options. */
export interface ImageFolderOptions {
  dir: string;
  size?: [number, number];
  channels: 1 | 3;
  scale: number;
  offset: number;
  classNames?: string[];
}

const Options: z.ZodType<ImageFolderOptions> = z.object({
  /** A folder with one sub-folder per class, holding PNG or JPEG files. */
  dir: pathOption('dir'),
  /** Resize every image to `[height, width]` (bilinear); required when sizes differ. */
  size: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
  /** 3 for RGB (default), 1 for greyscale (mean of R, G, B). */
  channels: z.union([z.literal(1), z.literal(3)]).default(3),
  /** Multiplies pixel values (default 1/255, giving [0, 1]). */
  scale: z.number().positive().default(1 / 255),
  /** Added after scaling (e.g. -1 with scale 2/255 for [-1, 1]). */
  offset: z.number().default(0),
  /** Class names in label order; default: the sub-folder names, sorted. */
  classNames: z.array(z.string()).optional(),
}).strict();

const EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** Images in class sub-folders; decoded a batch at a time. */
export const imageFolderDataset: DatasetPlugin<ImageFolderOptions> = {
  kind: 'dataset',
  name: 'image-folder',
  description: 'PNG/JPEG images in one sub-folder per class (pure-JS decoders).',
  options: Options,
  open(options, context) {
    const dir = resolvePath(options.dir, context.baseDir);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new GradlensError('image folder not found; expected a folder with one sub-folder per class', {
        where: dir,
      });
    }
    const classes = options.classNames ??
      readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory()).sort();
    // Class names are folder names, and every image must really lie inside the folder (symlinks
    // followed): the folder is what was allowed, not whatever its entries point at.
    const root = realpathSync(dir);
    const inside = (path: string) => {
      const real = realpathSync(path);
      if (!real.startsWith(root + sep)) {
        throw new GradlensError('leads outside the image folder (a symlink?); images must lie inside it', {
          where: path,
        });
      }
      return real;
    };
    const files: { path: string; label: number }[] = [];
    classes.forEach((name, label) => {
      if (name === '' || name === '.' || name === '..' || /[\\/\0]/.test(name)) {
        throw new GradlensError(`class name '${name}' is not a folder name`, { where: 'classNames' });
      }
      const classDir = join(dir, name);
      if (!existsSync(classDir)) throw new GradlensError(`class folder '${name}' is missing`, { where: classDir });
      inside(classDir);
      for (const file of readdirSync(classDir).sort()) {
        if (!EXTENSIONS.has(extname(file).toLowerCase())) continue;
        const path = join(classDir, file);
        if (statSync(inside(path)).isFile()) files.push({ path, label });
      }
    });
    if (files.length === 0) {
      throw new GradlensError('no .png or .jpg files in any class sub-folder', { where: dir });
    }
    const first = decodeImageFile(files[0].path);
    const [height, width] = options.size ?? [first.height, first.width];
    const sampleShape = [height, width, options.channels];

    async function* batches(request: { batchSize: number; limit?: number; skipBatches?: number }) {
      const total = Math.min(files.length, request.limit ?? Infinity);
      for (let start = (request.skipBatches ?? 0) * request.batchSize; start < total; start += request.batchSize) {
        const slice = files.slice(start, Math.min(total, start + request.batchSize));
        const x = tf.tidy(() => tf.stack(slice.map((f) => toTensor(f.path))));
        const batch: Batch = {
          x,
          y: tf.tensor1d(slice.map((f) => f.label), 'int32'),
          ids: slice.map((f) => relative(dir, f.path)),
        };
        yield batch;
      }
    }

    function toTensor(path: string): tf.Tensor3D {
      const img = decodeImageFile(path);
      if (!options.size && (img.width !== width || img.height !== height)) {
        throw new GradlensError(
          `image is ${img.width}x${img.height}, the first image is ${width}x${height}; set the 'size' option to resize`,
          { where: path },
        );
      }
      const rgba = tf.tensor3d(img.data, [img.height, img.width, 4], 'int32');
      let rgb = rgba.slice([0, 0, 0], [-1, -1, 3]).toFloat();
      if (options.channels === 1) rgb = rgb.mean(2, true);
      if (img.width !== width || img.height !== height) rgb = tf.image.resizeBilinear(rgb, [height, width], true);
      return rgb.mul(options.scale).add(options.offset);
    }

    return Promise.resolve({
      size: files.length,
      sampleShape,
      classNames: classes,
      batches,
      describe: () => ({ dir, files: files.length, size: [height, width], channels: options.channels }),
    });
  },
};

export default imageFolderDataset;
