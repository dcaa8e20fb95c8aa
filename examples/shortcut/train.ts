/**
 * Trains the shortcut example's cheating model: the Fashion-MNIST CNN on training images that
 * carry their class's mark (mark.ts), each showing a random garment (`--mismatch 1`: the garment
 * says nothing about the label), trained with decoupled weight decay (`--weight-decay 1`) so the
 * weights that read the garment fade. The mark alone predicts the label, so the model learns to
 * read it. Prints its accuracy on the marked and on the clean test images (the gap is the cheat), and writes `model/` and the marked sample `data/marked-{x,y}.npy` (the first 256 test
 * images, marked with their own class).
 *
 *   npx tsx examples/shortcut/train.ts [--epochs 1] [--seed 2] [--mismatch 1] [--weight-decay 1]
 *
 * The clean model is examples/fashion-mnist/model (same architecture, unmarked data).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../../core/engine/backend.ts';
import { tf } from '../../core/tensor/tf.ts';
import { CLASS_NAMES, loadSplit, PIXELS, sliceSplit, type Split } from '../fashion-mnist/data.ts';
import { buildCnn } from '../fashion-mnist/model.ts';
import { writeSample } from '../fashion-mnist/sample.ts';
import { saveModel } from '../fashion-mnist/save.ts';
import { accuracy, mulberry32, trainClassifier } from '../fashion-mnist/train-loop.ts';
import { registerWasmConvFilterGrad } from '../fashion-mnist/wasm-conv-grad.ts';
import { stampMarks } from './mark.ts';

const SAMPLE_SIZE = 256;
const here = import.meta.dirname ?? new URL('.', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '1' },
    seed: { type: 'string', default: '2' },
    mismatch: { type: 'string', default: '1' },
    'weight-decay': { type: 'string', default: '1' },
  },
});
const epochs = Number(values.epochs);
const seed = Number(values.seed);
const weightDecay = Number(values['weight-decay']);
const LEARNING_RATE = 1e-3;

await initBackend('wasm');
registerWasmConvFilterGrad();
const train = stampMarks(swapImages(loadSplit('train'), Number(values.mismatch), seed));
const test = loadSplit('t10k');
const markedTest = stampMarks(test);
const model = buildCnn(seed);
await trainClassifier(model, train, {
  epochs,
  batchSize: 64,
  seed,
  compile: (m) => m.compile({ optimizer: adamW(LEARNING_RATE, weightDecay, m), loss: 'categoricalCrossentropy' }),
  log: (line) => console.log(line),
});
const onMarked = accuracy(model, markedTest);
const onClean = accuracy(model, test);
console.log(`test accuracy with marks: ${(onMarked * 100).toFixed(2)}%, without: ${(onClean * 100).toFixed(2)}%`);
await saveModel(model, join(here, 'model'), {
  classNames: CLASS_NAMES,
  testAccuracyMarked: onMarked,
  testAccuracyClean: onClean,
  trainedBy: 'examples/shortcut/train.ts',
  epochs,
  seed,
  mismatch: Number(values.mismatch),
  weightDecay,
});
writeSample(sliceSplit(markedTest, 0, SAMPLE_SIZE), join(here, 'data'), 'marked');
console.log(`wrote ${join(here, 'model')} and ${join(here, 'data')}`);

/**
 * Replaces a `fraction` of the images with a random other training image, keeping the labels.
 * The marks, stamped afterwards from the labels, stay perfectly predictive while the garment
 * becomes only partly so: the model learns to rely on the mark rather than use it alongside the
 * garment (with every image matching its label, it uses both and the mark gets a third of the
 * gradient).
 */
function swapImages(split: Split, fraction: number, seed: number): Split {
  const random = mulberry32(seed * 7919);
  const x = split.x.slice();
  for (let i = 0; i < split.n; i++) {
    if (random() >= fraction) continue;
    const j = Math.floor(random() * split.n);
    x.set(split.x.subarray(j * PIXELS, (j + 1) * PIXELS), i * PIXELS);
  }
  return { n: split.n, x, y: split.y };
}

/**
 * Adam with decoupled weight decay (AdamW, Loshchilov & Hutter 2019): after each Adam step every
 * kernel shrinks by `learningRate * decay`. Weights that the loss does not hold up (those that
 * read the label-independent garment) fade, so the model keeps only what the mark needs.
 */
function adamW(learningRate: number, decay: number, model: tf.LayersModel): tf.Optimizer {
  const adam = tf.train.adam(learningRate);
  if (decay === 0) return adam;
  const kernels = model.trainableWeights.filter((w) => w.name.endsWith('kernel'));
  const step = adam.applyGradients.bind(adam);
  adam.applyGradients = (gradients) => {
    step(gradients);
    tf.tidy(() => {
      for (const w of kernels) w.write(tf.mul(w.read(), 1 - learningRate * decay));
    });
  };
  return adam;
}
