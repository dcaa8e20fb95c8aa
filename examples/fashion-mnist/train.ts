/**
 * Trains the Fashion-MNIST example's CNN on the 60,000 training images, prints its accuracy on
 * the 10,000 test images, and writes `model/` (model.json + weights.bin) and the committed test
 * sample `data/sample-{x,y}.npy` (the first 256 test images).
 *
 *   npx tsx examples/fashion-mnist/train.ts [--epochs 3] [--batch-size 64] [--seed 1]
 *
 * Needs Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist). Runs on the wasm
 * backend with a fast conv filter-gradient kernel (see wasm-conv-grad.ts): about 7 minutes per
 * epoch on one shared core.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../../core/engine/backend.ts';
import { CLASS_NAMES, loadSplit, sliceSplit } from './data.ts';
import { buildCnn } from './model.ts';
import { writeSample } from './sample.ts';
import { saveModel } from './save.ts';
import { accuracy, trainClassifier } from './train-loop.ts';
import { registerWasmConvFilterGrad } from './wasm-conv-grad.ts';

/** Number of test images committed in data/ so the example runs without the Debian package. */
export const SAMPLE_SIZE = 256;

const here = import.meta.dirname ?? new URL('.', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '64' },
    seed: { type: 'string', default: '1' },
  },
});
const epochs = Number(values.epochs);
const seed = Number(values.seed);

await initBackend('wasm');
registerWasmConvFilterGrad();
const train = loadSplit('train');
const test = loadSplit('t10k');
const model = buildCnn(seed);
const started = Date.now();
await trainClassifier(model, train, {
  epochs,
  batchSize: Number(values['batch-size']),
  seed,
  log: (line) => console.log(line),
});
const minutes = (Date.now() - started) / 60000;
const testAccuracy = accuracy(model, test);
console.log(`test accuracy: ${(testAccuracy * 100).toFixed(2)}% on ${test.n} images (${minutes.toFixed(1)} min)`);
await saveModel(model, join(here, 'model'), {
  classNames: CLASS_NAMES,
  testAccuracy,
  trainedBy: 'examples/fashion-mnist/train.ts',
  epochs,
  seed,
});
writeSample(sliceSplit(test, 0, SAMPLE_SIZE), join(here, 'data'));
console.log(`wrote ${join(here, 'model')} and ${join(here, 'data')}`);
