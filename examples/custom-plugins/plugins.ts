/**
 * A user's own Model, Dataset and Attribution plugins, registered from this module by a run
 * config (`"plugins": ["./plugins.ts"]`) or `gradlens run --plugin examples/custom-plugins/plugins.ts`.
 * Only gradlens's public API is used.
 */
import { z } from 'zod';
import {
  type AttributionPlugin,
  type Batch,
  type DatasetPlugin,
  defineModel,
  type ModelPlugin,
  targetScores,
  tf,
} from '../../core/index.ts';

const SIZE = 12;

/**
 * A model written as code: class c's score is the mean brightness of row band c (rows
 * 3c..3c+2), so the right explanation of class c is "the pixels of band c".
 */
export const bandModel: ModelPlugin<{ bands: number }> = {
  kind: 'model',
  name: 'band-model',
  description: 'Code-defined model: class c scores the brightness of row band c.',
  options: z.object({ bands: z.number().int().min(2).max(4).default(4) }),
  load({ bands }) {
    const weights = tf.tidy(() => {
      const rows = tf.range(0, SIZE).floorDiv(3).toInt();
      const oneHot = tf.oneHot(rows, bands).toFloat(); // [H, bands]
      return oneHot.reshape([SIZE, 1, bands]).tile([1, SIZE, 1]).reshape([SIZE * SIZE, bands]).div(3 * SIZE);
    });
    return Promise.resolve(defineModel({
      inputShape: [SIZE, SIZE, 1],
      classNames: Array.from({ length: bands }, (_, i) => `band ${i}`),
      predict: (x) => tf.matMul(x.reshape([x.shape[0], SIZE * SIZE]), weights),
      dispose: () => weights.dispose(),
    }));
  },
};

/** Synthetic images: sample i has a bright band at rows of class i mod bands, plus faint noise. */
export const bandDataset: DatasetPlugin<{ count: number; bands: number; seed: number }> = {
  kind: 'dataset',
  name: 'band-images',
  description: 'Synthetic 12x12 images with one bright row band; the label is the band.',
  options: z.object({
    count: z.number().int().positive().default(32),
    bands: z.number().int().min(2).max(4).default(4),
    seed: z.number().int().default(1),
  }),
  open({ count, bands, seed }) {
    async function* batches(request: { batchSize: number; limit?: number; skipBatches?: number }) {
      const total = Math.min(count, request.limit ?? Infinity);
      for (let start = (request.skipBatches ?? 0) * request.batchSize; start < total; start += request.batchSize) {
        const n = Math.min(request.batchSize, total - start);
        const labels = Array.from({ length: n }, (_, i) => (start + i) % bands);
        const x = tf.tidy(() => {
          const noise = tf.randomUniform([n, SIZE, SIZE, 1], 0, 0.2, 'float32', seed + start);
          const rows = tf.range(0, SIZE).floorDiv(3).toInt();
          const band = tf.equal(rows.reshape([1, SIZE]), tf.tensor1d(labels, 'int32').reshape([n, 1])).toFloat();
          return noise.add(band.reshape([n, SIZE, 1, 1]).mul(0.8));
        });
        const batch: Batch = {
          x,
          y: tf.tensor1d(labels, 'int32'),
          ids: labels.map((_, i) => `band-${start + i}`),
        };
        yield batch;
      }
    }
    return Promise.resolve({
      size: count,
      sampleShape: [SIZE, SIZE, 1],
      classNames: Array.from({ length: bands }, (_, i) => `band ${i}`),
      batches,
      describe: () => ({ count, bands, seed }),
    });
  },
};

/**
 * Row occlusion, a forward-only method: each pixel gets the drop in the target score when its
 * whole row is set to zero.
 */
export const rowOcclusion: AttributionPlugin<Record<string, never>> = {
  kind: 'attribution',
  name: 'row-occlusion',
  description: "Drop in the class score when the pixel's row is zeroed (forward passes only).",
  options: z.object({}),
  needs: ['forward-only'],
  signed: true,
  cost: () => ({ forward: SIZE + 1, backward: 0 }),
  attribute({ model, x, targets, output }) {
    return tf.tidy(() => {
      const [n, h, w, c] = x.shape as [number, number, number, number];
      const base = targetScores(model, x, targets, output);
      const rows = Array.from({ length: h }, (_, r) => {
        const keep = tf.oneHot(tf.scalar(r, 'int32'), h).reshape([1, h, 1, 1]);
        const drop = base.sub(targetScores(model, x.mul(tf.scalar(1).sub(keep)), targets, output));
        return drop.reshape([n, 1, 1, 1]).mul(keep);
      });
      return tf.addN(rows).tile([1, 1, w, c]);
    });
  },
};

export const plugins = [bandModel, bandDataset, rowOcclusion];
