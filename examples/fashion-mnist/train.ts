/**
 * Trains the Fashion-MNIST example's CNN on the 60,000 training images, prints its accuracy on
 * the 10,000 test images, and writes `model/` (model.json + weights.bin) and the committed test
 * sample `data/sample-{x,y}.npy` (the first 256 test images).
 *
 *   npx tsx examples/fashion-mnist/train.ts [--epochs 3] [--batch-size 64] [--seed 1]
 *   npx tsx examples/fashion-mnist/train.ts --continue --epochs 2 --learning-rate 0.0005
 *
 * Needs Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist). Runs on the wasm
 * backend with a fast conv filter-gradient kernel (see wasm-conv-grad.ts): about 2 minutes per
 * epoch on an idle core (7 on a busy one). The committed model: 3 epochs, then --continue.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../../core/engine/backend.ts';
import { tf } from '../../core/tensor/tf.ts';
import { memoryHandler, readModelFiles } from '../../core/io/model-files.ts';
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
    // Continues from the weights in model/ (for more epochs, e.g. at a lower learning rate).
    continue: { type: 'boolean', default: false },
    'learning-rate': { type: 'string', default: '0.001' },
  },
});
const epochs = Number(values.epochs);
const seed = Number(values.seed);

await initBackend('wasm');
registerWasmConvFilterGrad();
const train = loadSplit('train');
const test = loadSplit('t10k');
const previous = values.continue ? await loadSaved(join(here, 'model', 'model.json')) : undefined;
const model = previous?.model ?? buildCnn(seed);
const started = Date.now();
await trainClassifier(model, train, {
  epochs,
  batchSize: Number(values['batch-size']),
  // A continued run reshuffles differently from the run it continues.
  seed: seed + (previous?.epochs ?? 0),
  learningRate: Number(values['learning-rate']),
  log: (line) => console.log(line),
});
const minutes = (Date.now() - started) / 60000;
const testAccuracy = accuracy(model, test);
console.log(`test accuracy: ${(testAccuracy * 100).toFixed(2)}% on ${test.n} images (${minutes.toFixed(1)} min)`);
await saveModel(model, join(here, 'model'), {
  classNames: CLASS_NAMES,
  testAccuracy,
  trainedBy: 'examples/fashion-mnist/train.ts',
  epochs: (previous?.epochs ?? 0) + epochs,
  schedule: [...(previous?.schedule ?? []), { epochs, learningRate: Number(values['learning-rate']) }],
  seed,
});
writeSample(sliceSplit(test, 0, SAMPLE_SIZE), join(here, 'data'));
console.log(`wrote ${join(here, 'model')} and ${join(here, 'data')}`);

/** The model saved in `path`, with the epochs and schedule its metadata records. */
async function loadSaved(path: string) {
  const files = readModelFiles(path);
  const metadata = (files.json.userDefinedMetadata ?? {}) as { epochs?: number; schedule?: unknown[] };
  const model = await tf.loadLayersModel(memoryHandler(files.artifacts));
  const schedule = metadata.schedule ?? [{ epochs: metadata.epochs ?? 0, learningRate: 0.001 }];
  return { model, epochs: metadata.epochs ?? 0, schedule };
}
