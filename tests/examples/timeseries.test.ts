import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../core/engine/backend.ts';
import { tf } from '../../core/tensor/tf.ts';
import { openNpy } from '../../core/io/npy-file.ts';
import type { LoadedModel } from '../../core/plugins/types.ts';
import { expectAttribution } from '../../core/testing/index.ts';
import { FEATURES, WINDOW } from '../../examples/timeseries/weather.ts';
import { vanillaGradient } from '../../plugins/attributions/vanilla-gradient.ts';
import { layersModel } from '../../plugins/models/layers-model.ts';
import { EXAMPLES, runExample } from './helpers.ts';

const test = suite('examples/timeseries');
const here = join(EXAMPLES, 'timeseries');
let model: LoadedModel;
let x: tf.Tensor3D;
let y: tf.Tensor1D;

test.before(async () => {
  await initBackend();
  model = await layersModel.load(layersModel.options.parse({ path: 'model/model.json' }), { baseDir: here });
  const xs = openNpy(join(here, 'data/test-x.npy'));
  const ys = openNpy(join(here, 'data/test-y.npy'));
  x = tf.tensor3d(xs.readRows(0, xs.shape[0]), xs.shape as [number, number, number]);
  y = tf.tensor1d(ys.readRows(0, ys.shape[0]), 'int32');
  xs.close();
  ys.close();
});

test.after(() => {
  tf.dispose([x, y]);
  model.dispose();
});

test('the committed 2015 windows are [N, 14, 4] and the model beats always-sun on them', () => {
  assert.equal(x.shape.slice(1), [WINDOW, FEATURES.length]);
  const [accuracy, sun] = tf.tidy(() => [
    tf.mean(tf.equal(tf.argMax(model.forward(x).scores, 1), y).toFloat()).dataSync()[0],
    tf.mean(tf.equal(y, 0).toFloat()).dataSync()[0],
  ]);
  assert.ok(accuracy >= sun + 0.2, `accuracy ${accuracy}, always-sun ${sun}`);
});

test('the model leans on the last day: it holds the most gradient mass, over twice any other day', async () => {
  const day = (d: number) => Array.from({ length: WINDOW }, (_, t) => t === d);
  const batch = { x: x.slice(0, 64), y: y.slice(0, 64), ids: Array.from({ length: 64 }, (_, i) => String(i)) };
  const expectation = expectAttribution(model, batch, { method: vanillaGradient, artifactsDir: false });
  // A uniform spread would put 1/14 (0.07) on each day.
  const last = await expectation.massIn(day(WINDOW - 1)).onAverage().atLeast(0.2);
  for (let d = 0; d < WINDOW - 1; d++) {
    const other = await expectation.massIn(day(d)).onAverage().atMost(last.mean / 2);
    assert.ok(other.mean > 0, `day ${d} carries some mass`);
  }
  tf.dispose([batch.x, batch.y]);
});

test('run.json runs on a slice; sequence maps keep their features, [N, T, F]', async () => {
  const { result, cleanup } = await runExample(join(here, 'run.json'), 8);
  try {
    assert.is(result.manifest.status, 'complete');
    for (const method of result.manifest.methods) assert.equal(method.mapShape, [WINDOW, FEATURES.length]);
  } finally {
    cleanup();
  }
});

test.run();
