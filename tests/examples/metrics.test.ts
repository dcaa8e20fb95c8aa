import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../core/engine/backend.ts';
import { openNpy } from '../../core/io/npy-file.ts';
import { toFloat32 } from '../../core/io/npy.ts';
import type { Batch, LoadedModel } from '../../core/plugins/types.ts';
import { RunStore } from '../../core/runs/store.ts';
import { tf } from '../../core/tensor/tf.ts';
import { AttributionAssertionError, expectAttribution } from '../../core/testing/index.ts';
import { layersModel } from '../../plugins/models/layers-model.ts';
import { cli } from '../helpers/cli.ts';
import { builtinRegistry, EXAMPLES, runExample } from './helpers.ts';

const test = suite('examples: metrics on Fashion-MNIST and the shortcut');
const here = join(EXAMPLES, 'fashion-mnist');
const artifacts = mkdtempSync(join(tmpdir(), 'gradlens-metrics-'));
const registry = builtinRegistry();
const N = 16;
let model: LoadedModel;
let batch: Batch;

test.before(async () => {
  await initBackend();
  model = await layersModel.load(layersModel.options.parse({ path: 'model/model.json' }), { baseDir: here });
  const xs = openNpy(join(here, 'data/sample-x.npy'));
  const ys = openNpy(join(here, 'data/sample-y.npy'));
  batch = {
    x: tf.tensor4d(xs.readRows(0, N), [N, 28, 28, 1]),
    y: tf.tensor1d(Int32Array.from(ys.readAll().data as ArrayLike<number>, Number).slice(0, N), 'int32'),
    ids: Array.from({ length: N }, (_, i) => `test-${i}`),
  };
  xs.close();
  ys.close();
});

test.after(() => {
  tf.dispose([batch.x, batch.y!]);
  model.dispose();
  rmSync(artifacts, { recursive: true, force: true });
});

const expect = (method: string) => expectAttribution(model, batch, { method, registry, artifactsDir: artifacts });

test('the randomisation check separates the gradient from guided backprop, as Adebayo et al. report', async () => {
  // The gradient's maps change as the layers are randomised from the top; guided backprop's
  // stay close to the original (it hardly depends on the weights above the input layers).
  const passed = await expect('vanilla-gradient').passesRandomisationCheck({ seed: 1 });
  assert.ok(passed.mean < 0.3, `gradient: mean SSIM ${passed.mean}`);
  try {
    await expect('guided-backprop').passesRandomisationCheck({ seed: 1 });
    assert.unreachable('guided backprop fails the check');
  } catch (error) {
    assert.instance(error, AttributionAssertionError);
    assert.match(
      (error as Error).message,
      /mean metric 'model-randomisation' \(lower is better\) is 0\.\d+, expected <= 0\.3/,
    );
    const png = (error as AttributionAssertionError).artifact;
    assert.ok(png && existsSync(png), 'a PNG of the maps is written');
  }
  // Layer by layer, in both similarities, guided backprop stays closer to its original maps.
  const curve = async (method: string) =>
    (await expect(method).metric('model-randomisation', { seed: 1 }).values()).curves;
  const [gradient, guided] = [await curve('vanilla-gradient'), await curve('guided-backprop')];
  for (const c of [0, 1]) {
    const k = gradient[c].x.length;
    for (let layer = 0; layer < k; layer++) {
      const mean = (y: Float32Array) =>
        Array.from({ length: N }, (_, i) => y[i * k + layer]).reduce((a, b) => a + b) / N;
      assert.ok(
        mean(guided[c].y) > mean(gradient[c].y) + 0.05,
        `${gradient[c].name}, ${gradient[c].labels![layer]}: guided ${mean(guided[c].y)} vs gradient ${
          mean(gradient[c].y)
        }`,
      );
    }
  }
});

test(".metric('deletion-auc').atMost(...) holds for gradient x input and fails for Grad-CAM's coarse maps", async () => {
  const ok = await expect('gradient-x-input').metric('deletion-auc', { steps: 50 }).onAverage().atMost(0.35);
  assert.ok(ok.values.length === N && ok.mean < 0.35);
  try {
    await expectAttribution(model, batch, {
      method: 'grad-cam',
      options: { layer: 'conv2' },
      registry,
      artifactsDir: false,
    })
      .metric('deletion-auc', { steps: 50 }).onAverage().atMost(0.35);
    assert.unreachable('grad-cam fails the bound');
  } catch (error) {
    assert.instance(error, AttributionAssertionError);
    assert.match((error as Error).message, /deletion-auc/);
  }
});

test('fashion-mnist/run-metrics.json runs its metrics, and gradlens evaluate adds one to the run', async () => {
  const { result, cleanup } = await runExample(join(here, 'run-metrics.json'), 4);
  try {
    const m = result.manifest;
    assert.equal(m.metrics!.map((r) => r.id), [
      'deletion-auc',
      'insertion-auc',
      'model-randomisation',
      'random-logit',
      'sparseness',
      'complexity',
    ]);
    const store = new RunStore(join(result.dir, '..'));
    for (const record of m.metrics!) {
      assert.equal(record.batches, [0], record.id);
      for (const method of m.methods) {
        const v = Array.from(toFloat32(store.readMetric(m.id, 0, method.id, record.id).data));
        assert.ok(v.length === 4 && v.every(Number.isFinite), `${record.id} on ${method.id}: ${v}`);
      }
    }
    const out = await cli('evaluate', '--run', m.id, '--runs', join(result.dir, '..'), '--metric', 'pointing-game');
    assert.is(out.code, 2, 'the Fashion-MNIST sample has no masks');
    assert.match(out.stderr, /needs a mask per sample in the dataset's extra array 'mask'; the dataset has none/);
    const ok = await cli('evaluate', '--run', m.id, '--runs', join(result.dir, '..'), '--metric', 'pixel-flipping');
    assert.is(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /pixel-flipping \(higher is better\)/);
    assert.equal(store.read(m.id).metrics!.at(-1)!.id, 'pixel-flipping');
  } finally {
    cleanup();
  }
});

test('shortcut example: the localisation metrics in its run configs tell the clean model from the cheating one', async () => {
  const mean = (store: RunStore, id: string, metric: string) => {
    const v = toFloat32(store.readMetric(id, 0, 'vanilla-gradient', metric).data);
    return Array.from(v).reduce((a, b) => a + b, 0) / v.length;
  };
  const runs: Record<string, number[]> = {};
  for (const which of ['cheating', 'clean']) {
    const { result, cleanup } = await runExample(join(EXAMPLES, 'shortcut', `run-${which}.json`), 16);
    try {
      const store = new RunStore(join(result.dir, '..'));
      assert.equal(result.manifest.metrics!.map((m) => m.id), ['relevance-mass', 'relevance-rank', 'pointing-game']);
      runs[which] = ['relevance-mass', 'relevance-rank', 'pointing-game'].map((m) =>
        mean(store, result.manifest.id, m)
      );
    } finally {
      cleanup();
    }
  }
  // The clean model's maxima and mass lie on the garment; the cheating model's on the mark.
  for (const [i, metric] of ['relevance-mass', 'relevance-rank', 'pointing-game'].entries()) {
    const margin = metric === 'relevance-rank' ? 0 : 0.1;
    assert.ok(
      runs.clean[i] > runs.cheating[i] + margin,
      `${metric}: clean ${runs.clean[i]}, cheating ${runs.cheating[i]}`,
    );
  }
  assert.ok(readdirSync(artifacts).length >= 1);
});

test.run();
