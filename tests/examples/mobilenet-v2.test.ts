import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { attribute } from '../../core/pipeline/attribute.ts';
import { initBackend } from '../../core/engine/backend.ts';
import { tf } from '../../core/tensor/tf.ts';
import { decodeImageFile } from '../../core/io/images.ts';
import { readRunConfig } from '../../core/runs/config.ts';
import { runAttributions } from '../../core/runs/runner.ts';
import { vanillaGradient } from '../../plugins/attributions/vanilla-gradient.ts';
import { type NsfwFormat, nsfwjsModel } from '../../plugins/models/nsfwjs.ts';
import { builtinRegistry } from '../../plugins/index.ts';
import { EXAMPLES } from './helpers.ts';

// The full 224x224 MobileNetV2s: one model at a time, two photographs, one gradient pass each.
const test = suite('examples/mobilenet-v2');
const here = join(EXAMPLES, 'mobilenet-v2');
const CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];
const NEUTRAL = CLASSES.indexOf('Neutral');
const PHOTOS = ['images/Neutral/astronaut.png', 'images/Neutral/coffee.png'];

/** The photographs as nsfwjs feeds them: RGB / 255, `[N, 224, 224, 3]`. */
function photos(): tf.Tensor4D {
  return tf.tidy(() =>
    tf.stack(PHOTOS.map((path) => {
      const img = decodeImageFile(join(here, path));
      return tf.tensor3d(img.data, [img.height, img.width, 4], 'int32').slice([0, 0, 0], [-1, -1, 3]).toFloat()
        .div(255);
    })) as tf.Tensor4D
  );
}

test.before(async () => {
  await initBackend();
});

for (const format of ['layers', 'graph'] as NsfwFormat[]) {
  test(`${format}: loads offline from the nsfwjs package, calls ordinary photographs Neutral, and has gradient maps`, async () => {
    const model = await nsfwjsModel.load(nsfwjsModel.options.parse({ format }), { baseDir: here });
    const x = photos();
    try {
      assert.equal(model.inputShape, [224, 224, 3]);
      assert.equal(model.classNames, CLASSES, 'class names come from the package');
      assert.is(model.outputs[0].scores, 'pre-softmax', 'the softmax is bypassed');
      assert.match(String(model.describe().source), /^nsfwjs@\d/);
      const probs = tf.tidy(() => tf.softmax(model.forward(x)[model.outputs[0].name]).arraySync() as number[][]);
      for (const [i, p] of probs.entries()) {
        assert.is(p.indexOf(Math.max(...p)), NEUTRAL, `${PHOTOS[i]}: ${p.map((v) => v.toFixed(3))}`);
        assert.ok(p[NEUTRAL] > 0.9, `${PHOTOS[i]}: Neutral ${p[NEUTRAL]}`);
      }
      const { maps, targets } = await attribute(model, x, { method: vanillaGradient, target: 'predicted' });
      try {
        assert.equal(maps.shape, [2, 224, 224]);
        const values = maps.dataSync() as Float32Array;
        assert.ok(values.every(Number.isFinite), 'finite');
        // Every photograph's map is non-zero and uneven: the network reads some pixels more than others.
        for (let i = 0; i < 2; i++) {
          const row = values.subarray(i * 224 * 224, (i + 1) * 224 * 224);
          const mean = row.reduce((a, b) => a + b, 0) / row.length;
          assert.ok(mean > 0 && Math.max(...row) > 10 * mean, `${PHOTOS[i]}: mean ${mean}`);
        }
      } finally {
        tf.dispose([maps, targets]);
      }
    } finally {
      x.dispose();
      model.dispose();
    }
  });
}

test('run-layers.json and run-graph.json run (vanilla gradient only) on one image of the committed folder', async () => {
  const runsDir = mkdtempSync(join(tmpdir(), 'gradlens-mobilenet-'));
  try {
    for (const name of ['run-layers.json', 'run-graph.json']) {
      const { config, baseDir } = readRunConfig(join(here, name));
      assert.ok(config.methods.length >= 9, `${name}: every method that fits the format`);
      const { manifest } = await runAttributions(
        {
          ...config,
          runsDir,
          dataset: { ...config.dataset, limit: 1, batchSize: 1 },
          methods: config.methods.filter((m) => m.plugin === 'vanilla-gradient'),
        },
        { registry: builtinRegistry(), baseDir },
      );
      assert.is(manifest.status, 'complete', name);
      assert.is(manifest.dataset.size, 8, `${name}: eight images`);
      assert.equal(manifest.model.classNames, CLASSES);
    }
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
});

test.run();
