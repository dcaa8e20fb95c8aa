import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../core/engine/backend.ts';
import { tf } from '../../core/tensor/tf.ts';
import { openNpy } from '../../core/io/npy-file.ts';
import type { LoadedModel } from '../../core/plugins/types.ts';
import { AttributionAssertionError, expectAttribution } from '../../core/testing/index.ts';
import { PIXELS, type Split } from '../../examples/fashion-mnist/data.ts';
import { MARK_BAND, stampMarks } from '../../examples/shortcut/mark.ts';
import { expectNoShortcut } from '../../examples/shortcut/no-shortcut.ts';
import { vanillaGradient } from '../../plugins/attributions/vanilla-gradient.ts';
import { layersModel } from '../../plugins/models/layers-model.ts';
import { EXAMPLES, runExample } from './helpers.ts';

const test = suite('examples/shortcut');
const here = join(EXAMPLES, 'shortcut');
const N = 32;
const artifacts = mkdtempSync(join(tmpdir(), 'gradlens-shortcut-'));
let cheating: LoadedModel;
let clean: LoadedModel;

/** The first `n` rows of a committed sample, as a Split. */
function readSample(x: string, y: string, n: number): Split {
  const xs = openNpy(join(here, x));
  const ys = openNpy(join(here, y));
  try {
    return { n, x: xs.readRows(0, n), y: Int32Array.from(ys.readAll().data as Int32Array).slice(0, n) };
  } finally {
    xs.close();
    ys.close();
  }
}

function batchOf(split: Split) {
  return {
    x: tf.tensor4d(split.x.subarray(0, split.n * PIXELS), [split.n, 28, 28, 1]),
    y: tf.tensor1d(split.y, 'int32'),
    ids: Array.from({ length: split.n }, (_, i) => String(i)),
  };
}

const load = (path: string) => layersModel.load(layersModel.options.parse({ path }), { baseDir: here });

test.before(async () => {
  await initBackend();
  cheating = await load('model/model.json');
  clean = await load('../fashion-mnist/model/model.json');
});

test.after(() => {
  cheating.dispose();
  clean.dispose();
  rmSync(artifacts, { recursive: true, force: true });
});

test('the no-shortcut assertion fails on the cheating model, naming the samples, and draws their maps', async () => {
  const batch = batchOf(readSample('data/marked-x.npy', 'data/marked-y.npy', N));
  try {
    await expectNoShortcut(cheating, batch, { artifactsDir: artifacts });
    assert.unreachable('the cheating model passed');
  } catch (error) {
    assert.instance(error, AttributionAssertionError);
    const e = error as AttributionAssertionError;
    assert.ok(e.failures.length >= N * 0.75, `${e.failures.length} of ${N} samples fail`);
    assert.match(e.message, /share of \|attribution\| inside rows 0\.\.2, columns 0\.\.27 should be <= 0\.2/);
    assert.ok(e.artifact && existsSync(e.artifact));
  }
  tf.dispose([batch.x, batch.y]);
});

test('the same assertion holds for the clean model on the same marked images', async () => {
  const batch = batchOf(readSample('data/marked-x.npy', 'data/marked-y.npy', N));
  const report = await expectNoShortcut(clean, batch, { artifactsDir: artifacts });
  assert.is(report.values.length, N);
  tf.dispose([batch.x, batch.y]);
});

test("the cheating model's gradient concentrates on the mark; the clean model's does not", async () => {
  const batch = batchOf(readSample('data/marked-x.npy', 'data/marked-y.npy', N));
  const options = { method: vanillaGradient, artifactsDir: artifacts } as const;
  const cheat = expectAttribution(cheating, batch, options);
  const fair = expectAttribution(clean, batch, options);
  // The band is 84 of 784 pixels (11%); the mark itself 9 (1.1%).
  // Each cheating map has most of its mass in the band (measured: 0.50 to 0.63, mean 0.58).
  await cheat.massIn(MARK_BAND).atLeast(0.5);
  const cheatMass = await cheat.massIn(MARK_BAND).onAverage().atLeast(0.55);
  const fairMass = await fair.massIn(MARK_BAND).onAverage().atMost(0.15);
  assert.ok(cheatMass.mean > 4 * fairMass.mean, `cheating ${cheatMass.mean}, clean ${fairMass.mean}`);
  // Each cheating map's three largest pixels are on the mark; the clean maps' mostly are not.
  await cheat.topKWithin(MARK_BAND, 3);
  try {
    await fair.topKWithin(MARK_BAND, 3);
    assert.unreachable('the clean model has its top pixels in the mark band');
  } catch (error) {
    assert.instance(error, AttributionAssertionError);
    assert.ok((error as AttributionAssertionError).failures.length >= N * 0.75);
  }
  tf.dispose([batch.x, batch.y]);
});

test("the mark decides the cheating model's answer: another class's mark changes it", () => {
  // The fashion-mnist sample holds the same test images, unmarked.
  const plain = readSample('../fashion-mnist/data/sample-x.npy', '../fashion-mnist/data/sample-y.npy', N);
  const wrong = Int32Array.from(plain.y, (c) => (c + 3) % 10);
  const batch = batchOf(stampMarks(plain, wrong));
  const predicted = tf.tidy(() => tf.argMax(cheating.forward(batch.x).scores, 1).dataSync());
  const followsMark = predicted.filter((p, i) => p === wrong[i]).length;
  assert.ok(followsMark >= N * 0.8, `${followsMark} of ${N} predictions follow the planted mark`);
  tf.dispose([batch.x, batch.y]);
});

test('both run configs run on a slice of the marked sample', async () => {
  for (const config of ['run-cheating.json', 'run-clean.json']) {
    const { result, cleanup } = await runExample(join(here, config), 4);
    try {
      assert.is(result.manifest.status, 'complete', config);
      assert.is(result.manifest.dataset.size, 256);
    } finally {
      cleanup();
    }
  }
});

test.run();
