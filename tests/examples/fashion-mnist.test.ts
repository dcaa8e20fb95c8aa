import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../core/engine/backend.ts';
import { tf } from '../../core/tensor/tf.ts';
import { parseNpy } from '../../core/io/npy.ts';
import { CLASS_NAMES } from '../../examples/fashion-mnist/data.ts';
import { layersModel } from '../../plugins/models/layers-model.ts';
import { npyDataset } from '../../plugins/datasets/npy.ts';
import { EXAMPLES, runExample } from './helpers.ts';

const test = suite('examples/fashion-mnist');
const here = join(EXAMPLES, 'fashion-mnist');
const npy = (path: string) => parseNpy(new Uint8Array(readFileSync(path)), path);

test.before(async () => {
  await initBackend();
});

test('run.json runs every listed method on a slice of the committed sample', async () => {
  const { result, cleanup } = await runExample(join(here, 'run.json'), 6);
  try {
    const { manifest } = result;
    assert.is(manifest.status, 'complete');
    assert.equal(manifest.model.classNames, CLASS_NAMES, 'class names come from the model metadata');
    assert.is(manifest.model.output.scores, 'pre-softmax', 'the saved softmax is bypassed');
    assert.ok(manifest.methods.some((m) => m.id === 'vanilla-gradient'));
    const batch = join(result.dir, 'batches', '00000');
    for (const method of manifest.methods) {
      const maps = npy(join(batch, 'maps', `${method.id}.npy`));
      assert.equal(maps.shape, [6, 28, 28], method.id);
      const values = Array.from(maps.data as Float32Array);
      assert.ok(values.every(Number.isFinite) && values.some((v) => v !== 0), `${method.id}: finite, not all zero`);
    }
  } finally {
    cleanup();
  }
});

test('the committed model classifies the committed 256 test images about as well as on the full test set', async () => {
  const context = { baseDir: here };
  const model = await layersModel.load(layersModel.options.parse({ path: 'model/model.json' }), context);
  const dataset = await npyDataset.open(
    npyDataset.options.parse({ x: 'data/sample-x.npy', y: 'data/sample-y.npy' }),
    context,
  );
  let correct = 0;
  let total = 0;
  for await (const batch of dataset.batches({ batchSize: 128 })) {
    const predicted = tf.tidy(() => tf.argMax(model.forward(batch.x).scores, 1).dataSync());
    const labels = batch.y!.dataSync();
    for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
    total += labels.length;
    tf.dispose([batch.x, batch.y!]);
  }
  dataset.close?.();
  model.dispose();
  assert.is(total, 256);
  assert.ok(correct / total >= 0.85, `accuracy on the sample: ${correct}/${total}`);
});

test.run();
