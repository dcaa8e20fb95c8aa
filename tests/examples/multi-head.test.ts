import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { attribute } from '../../core/pipeline/attribute.ts';
import { initBackend } from '../../core/engine/backend.ts';
import { tf } from '../../core/tensor/tf.ts';
import { openNpy } from '../../core/io/npy-file.ts';
import type { LoadedModel } from '../../core/plugins/types.ts';
import { OUTPUTS } from '../../examples/multi-head/model.ts';
import { vanillaGradient } from '../../plugins/attributions/vanilla-gradient.ts';
import { layersModel } from '../../plugins/models/layers-model.ts';
import { EXAMPLES, runExample } from './helpers.ts';

const test = suite('examples/multi-head');
const here = join(EXAMPLES, 'multi-head');
const N = 64;
let model: LoadedModel;
let x: tf.Tensor4D;
let classes: tf.Tensor1D;
let parts: tf.Tensor1D;

function rows(path: string, n: number): Float32Array {
  const file = openNpy(join(here, path));
  try {
    return file.readRows(0, n);
  } finally {
    file.close();
  }
}

test.before(async () => {
  await initBackend();
  model = await layersModel.load(layersModel.options.parse({ path: 'model/model.json' }), { baseDir: here });
  x = tf.tensor4d(rows('../fashion-mnist/data/sample-x.npy', N), [N, 28, 28, 1]);
  classes = tf.tensor1d(rows('../fashion-mnist/data/sample-y.npy', N), 'int32');
  parts = tf.tensor1d(rows('data/sample-part.npy', N), 'int32');
});

test.after(() => {
  tf.dispose([x, classes, parts]);
  model.dispose();
});

test('the model exposes its three heads by name; softmaxes are bypassed', () => {
  assert.equal(model.outputs.map((o) => o.name), [...OUTPUTS]);
  assert.equal(model.outputs.map((o) => o.shape), [[10], [4], [10]]);
  assert.ok(model.outputs.every((o) => o.scores === 'pre-softmax'));
});

test('both trained heads are accurate on the sample', () => {
  const accuracy = (head: string, labels: tf.Tensor1D) =>
    tf.tidy(() => tf.mean(tf.equal(tf.argMax(model.forward(x)[head], 1), labels).toFloat()).dataSync()[0]);
  const c = accuracy('class_logits', classes);
  const p = accuracy('body_part', parts);
  assert.ok(c >= 0.8, `class head: ${c}`);
  assert.ok(p >= 0.9, `body-part head: ${p}`);
});

test('attributions choose a head by name: the heads give different maps', async () => {
  const maps = async (output: string, labels: tf.Tensor) => {
    const result = await attribute(model, x, { method: vanillaGradient, output, labels });
    const data = await result.maps.data();
    tf.dispose([result.maps, result.targets]);
    return data;
  };
  const byClass = await maps('class_logits', classes);
  const byPart = await maps('body_part', parts);
  // The probability head is the softmax of the logits: with the softmax bypassed it explains
  // the same scores, so its maps equal the logits' maps.
  const byProbs = await maps('class_probs', classes);
  let same = 0;
  let differ = 0;
  for (let i = 0; i < byClass.length; i++) {
    same = Math.max(same, Math.abs(byClass[i] - byProbs[i]));
    differ = Math.max(differ, Math.abs(byClass[i] - byPart[i]));
  }
  assert.ok(same < 1e-5, `class_probs vs class_logits: ${same}`);
  assert.ok(differ > 1e-2, `body_part vs class_logits: ${differ}`);
});

test('the class and body-part run configs run on a slice of the sample', async () => {
  for (const [config, output] of [['run.json', 'class_logits'], ['run-body-part.json', 'body_part']]) {
    const { result, cleanup } = await runExample(join(here, config), 4);
    try {
      assert.is(result.manifest.status, 'complete');
      assert.is(result.manifest.model.output.name, output);
      assert.is(result.manifest.model.numClasses, output === 'body_part' ? 4 : 10);
    } finally {
      cleanup();
    }
  }
});

test.run();
