/**
 * Trains the multi-head example: class logits (softmax cross-entropy on logits), the body-part
 * head (cross-entropy, half weight), and the probability head, which is the softmax of the
 * logits and needs no loss of its own (weight 0). Prints test accuracy of the class and
 * body-part heads; writes `model/` and `data/sample-part.npy`, the body-part labels of the 256
 * test images the fashion-mnist example commits (the runs read its `data/sample-x.npy`).
 *
 *   npx tsx examples/multi-head/train.ts [--epochs 2] [--seed 3]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../../core/engine/backend.ts';
import { tf } from '../../core/tensor/tf.ts';
import { encodeNpy } from '../../core/io/npy.ts';
import { CLASS_NAMES, loadSplit, sliceSplit } from '../fashion-mnist/data.ts';
import { saveModel } from '../fashion-mnist/save.ts';
import { accuracy, trainClassifier } from '../fashion-mnist/train-loop.ts';
import { registerWasmConvFilterGrad } from '../fashion-mnist/wasm-conv-grad.ts';
import { BODY_PART_OF_CLASS, BODY_PARTS, buildMultiHead } from './model.ts';

const SAMPLE_SIZE = 256;
const here = import.meta.dirname ?? new URL('.', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '2' },
    seed: { type: 'string', default: '3' },
    // Trains on the first N images only: a smoke test of the script, not a usable model.
    limit: { type: 'string' },
  },
});
const epochs = Number(values.epochs);
const seed = Number(values.seed);

await initBackend('wasm');
registerWasmConvFilterGrad();
const full = loadSplit('train');
const train = values.limit ? sliceSplit(full, 0, Number(values.limit)) : full;
const test = loadSplit('t10k');
const partTable = tf.tensor1d(BODY_PART_OF_CLASS, 'int32');
const model = buildMultiHead(seed);
await trainClassifier(model, train, {
  epochs,
  batchSize: 64,
  seed,
  compile: (m) =>
    m.compile({
      optimizer: tf.train.adam(1e-3),
      // tfjs has no lossWeights: the weights (1, 0.5, 0) are applied inside the loss functions.
      loss: [
        (y: tf.Tensor, logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, logits),
        (y: tf.Tensor, p: tf.Tensor) => tf.mul(tf.metrics.categoricalCrossentropy(y, p), 0.5),
        (y: tf.Tensor, p: tf.Tensor) => tf.mul(tf.metrics.categoricalCrossentropy(y, p), 0),
      ],
    }),
  targets: (labels) =>
    tf.tidy(() => {
      const classes = tf.oneHot(labels, 10).toFloat();
      return [classes, tf.oneHot(tf.gather(partTable, labels), BODY_PARTS.length).toFloat(), classes.clone()];
    }),
  log: (line) => console.log(line),
});
const parts = Int32Array.from(test.y, (c) => BODY_PART_OF_CLASS[c]);
const classAccuracy = accuracy(model, test, { outputIndex: 0 });
const partAccuracy = accuracy(model, test, { outputIndex: 1, labels: parts });
console.log(
  `test accuracy: classes ${(classAccuracy * 100).toFixed(2)}%, body part ${(partAccuracy * 100).toFixed(2)}%`,
);
await saveModel(model, join(here, 'model'), {
  classNames: CLASS_NAMES,
  bodyParts: BODY_PARTS,
  testAccuracy: { class_logits: classAccuracy, body_part: partAccuracy },
  trainedBy: 'examples/multi-head/train.ts',
  epochs,
  seed,
});
writeFileSync(join(here, 'data', 'sample-part.npy'), encodeNpy(parts.slice(0, SAMPLE_SIZE), [SAMPLE_SIZE]));
console.log(`wrote ${join(here, 'model')} and ${join(here, 'data')}`);
