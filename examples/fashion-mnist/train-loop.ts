import { tf } from '../../core/tensor/tf.ts';
import { PIXELS, SIDE, type Split } from './data.ts';

export interface TrainOptions {
  epochs: number;
  /**
   * Builds the training targets of a batch from its labels `[n]` (default: one-hot `[n, 10]`
   * for a single softmax output). Multi-output models return one tensor per output.
   */
  targets?: (labels: tf.Tensor1D) => tf.Tensor | tf.Tensor[];
  /** Compiles the model (default: Adam and categorical cross-entropy on one softmax output). */
  compile?: (model: tf.LayersModel) => void;
  batchSize: number;
  /** Seeds the shuffling, so a rerun visits batches in the same order. */
  seed: number;
  learningRate?: number;
  log?: (line: string) => void;
}

/**
 * Trains a classifier with softmax outputs on a split with Adam and categorical cross-entropy,
 * one shuffled pass per epoch. Batches are built one at a time so memory stays at one batch.
 */
export async function trainClassifier(model: tf.LayersModel, data: Split, options: TrainOptions): Promise<void> {
  if (options.compile) options.compile(model);
  else model.compile({ optimizer: tf.train.adam(options.learningRate ?? 1e-3), loss: 'categoricalCrossentropy' });
  const targets = options.targets ?? ((labels: tf.Tensor1D) => tf.oneHot(labels, 10).toFloat());
  const random = mulberry32(options.seed);
  const log = options.log ?? (() => {});
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = shuffled(data.n, random);
    const started = Date.now();
    let lossSum = 0;
    let batches = 0;
    for (let start = 0; start < data.n; start += options.batchSize) {
      const rows = order.subarray(start, Math.min(data.n, start + options.batchSize));
      const { x, labels } = gather(data, rows);
      const y = targets(labels);
      const loss = await model.trainOnBatch(x, y);
      tf.dispose([x, labels, y]);
      // Multi-output models report [total, per output...]; the total is what is minimised.
      lossSum += Array.isArray(loss) ? loss[0] : loss;
      batches++;
      if (batches % 100 === 0) {
        const seconds = (Date.now() - started) / 1000;
        log(`epoch ${epoch + 1} batch ${batches}: loss ${(lossSum / batches).toFixed(4)} (${seconds.toFixed(0)} s)`);
      }
    }
    log(
      `epoch ${epoch + 1} done: loss ${(lossSum / batches).toFixed(4)} in ${
        ((Date.now() - started) / 1000).toFixed(0)
      } s`,
    );
  }
}

/**
 * Fraction of a split the model classifies correctly: argmax of its output (of output
 * `outputIndex` for multi-output models) against `labels` (default: the split's).
 */
export function accuracy(
  model: tf.LayersModel,
  data: Split,
  options: { outputIndex?: number; labels?: Int32Array; batchSize?: number } = {},
): number {
  const batchSize = options.batchSize ?? 500;
  const labels = options.labels ?? data.y;
  let correct = 0;
  for (let start = 0; start < data.n; start += batchSize) {
    const count = Math.min(batchSize, data.n - start);
    const predicted = tf.tidy(() => {
      const x = tf.tensor4d(data.x.subarray(start * PIXELS, (start + count) * PIXELS), [count, SIDE, SIDE, 1]);
      const out = model.predict(x);
      return (Array.isArray(out) ? out[options.outputIndex ?? 0] : out).argMax(1).dataSync();
    });
    for (let i = 0; i < count; i++) if (predicted[i] === labels[start + i]) correct++;
  }
  return correct / data.n;
}

function gather(data: Split, rows: Uint32Array): { x: tf.Tensor4D; labels: tf.Tensor1D } {
  const x = new Float32Array(rows.length * PIXELS);
  const y = new Int32Array(rows.length);
  rows.forEach((row, i) => {
    x.set(data.x.subarray(row * PIXELS, (row + 1) * PIXELS), i * PIXELS);
    y[i] = data.y[row];
  });
  return { x: tf.tensor4d(x, [rows.length, SIDE, SIDE, 1]), labels: tf.tensor1d(y, 'int32') };
}

function shuffled(n: number, random: () => number): Uint32Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** A small seeded PRNG (Mulberry32): uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
