import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../../core/engine/backend.ts';
import { toFloat32 } from '../../../core/io/npy.ts';
import type { RunConfigInput } from '../../../core/runs/config.ts';
import { evaluateRun } from '../../../core/runs/evaluate.ts';
import { runAttributions } from '../../../core/runs/runner.ts';
import { RunStore } from '../../../core/runs/store.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { cli } from '../../helpers/cli.ts';
import { builtinRegistry, saveLayersModel, seeded, smallConvNet, tempDir, writeNpy } from '../../helpers/fixtures.ts';

const test = suite('runs: metrics in runs and gradlens evaluate');
const registryModules = [new URL('../../../plugins/index.ts', import.meta.url).href];
let dir = '';
let model = '';
let x = '';
let y = '';
const N = 12;

test.before(async () => {
  await initBackend();
  dir = tempDir();
  const net = smallConvNet({ classes: 5, activation: 'relu', softmax: true });
  model = await saveLayersModel(net, join(dir, 'model'));
  net.dispose();
  x = writeNpy(join(dir, 'x.npy'), seeded(N * 8 * 8 * 3, 3), [N, 8, 8, 3]);
  y = writeNpy(join(dir, 'y.npy'), Int32Array.from({ length: N }, (_, i) => i % 5), [N]);
});

const config = (id: string, batchSize: number, metrics: RunConfigInput['metrics']): RunConfigInput => ({
  id,
  runsDir: join(dir, 'runs'),
  model: { plugin: 'layers-model', options: { path: model } },
  dataset: { plugin: 'npy', options: { x, y }, batchSize },
  methods: [{ plugin: 'vanilla-gradient' }, { plugin: 'gradient-x-input' }],
  metrics,
});

/** A metric's values for one method over the whole run, in sample order. */
function runValues(store: RunStore, id: string, method: string, metric: string): number[] {
  const m = store.read(id);
  const record = m.metrics!.find((r) => r.id === metric)!;
  return record.batches.flatMap((b) => Array.from(toFloat32(store.readMetric(id, b, method, metric).data)));
}

test('config metrics: values and curves per batch, method and metric beside the maps; options and seed recorded', async () => {
  const metrics = [
    { plugin: 'deletion-auc', options: { steps: 8 } },
    { plugin: 'insertion-auc', id: 'insertion-uniform', options: { steps: 8, baseline: 'uniform' } },
    { plugin: 'sparseness', methods: ['gradient-x-input'] },
  ];
  const result = await runAttributions(config('with-metrics', 5, metrics), { registry: builtinRegistry() });
  const store = new RunStore(join(dir, 'runs'));
  const m = result.manifest;
  assert.equal(m.metrics!.map((r) => r.id), ['deletion-auc', 'insertion-uniform', 'sparseness']);
  const deletion = m.metrics![0];
  assert.equal(deletion.batches, [0, 1, 2]);
  assert.is(deletion.higherIsBetter, false);
  assert.equal(deletion.options.baseline, 'zeros');
  assert.equal(deletion.curves[0].x.length, 9);
  assert.equal(typeof m.metrics![1].options.seed, 'number', 'a seeded metric records its drawn seed');
  assert.equal(m.metrics![2].methods, ['gradient-x-input']);
  const values = store.readMetric('with-metrics', 2, 'vanilla-gradient', 'deletion-auc');
  assert.equal(values.shape, [2]);
  const curve = store.readCurve('with-metrics', 0, 'vanilla-gradient', 'deletion-auc', 'deletion');
  assert.equal(curve.shape, [5, 9]);
  assert.ok(!existsSync(store.batchFile('with-metrics', 0, 'metrics/vanilla-gradient.sparseness.npy')));
  // The curve's first point is the unperturbed probability the run stored.
  const probs = toFloat32(store.readArray('with-metrics', 0, 'probabilities.npy').data);
  const c = toFloat32(curve.data);
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(c[i * 9] - probs[i * 5 + (i % 5)]) < 1e-5);
});

test('same values whatever the batch size and the number of workers, seeded metrics included', async () => {
  const store = new RunStore(join(dir, 'runs'));
  const metrics = [{ plugin: 'insertion-auc', options: { steps: 8, baseline: 'uniform', seed: 7 } }];
  await runAttributions(config('bs5', 5, metrics), { registry: builtinRegistry() });
  await runAttributions(config('bs4', 4, metrics), { registry: builtinRegistry(), workers: 2, registryModules });
  const a = runValues(store, 'bs5', 'gradient-x-input', 'insertion-auc');
  const b = runValues(store, 'bs4', 'gradient-x-input', 'insertion-auc');
  assert.is(a.length, N);
  for (let i = 0; i < N; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `sample ${i}: ${a[i]} vs ${b[i]}`);
  // Evaluated afterwards, on two workers, the stored maps give the same values again.
  await evaluateRun(store, 'bs4', [{ plugin: 'insertion-auc', id: 'again', options: metrics[0].options }], {
    registry: builtinRegistry(),
    workers: 2,
    registryModules,
  });
  const c = runValues(store, 'bs4', 'gradient-x-input', 'again');
  for (let i = 0; i < N; i++) assert.ok(Math.abs(a[i] - c[i]) < 1e-6, `sample ${i}: ${a[i]} vs ${c[i]}`);
});

test('gradlens evaluate --run ID --metric NAME --option K=V adds a metric to a finished run', async () => {
  await runAttributions(config('plain', 6, undefined), { registry: builtinRegistry() });
  const before = tf.memory().numTensors;
  const out = await cli(
    'evaluate',
    '--run',
    'plain',
    '--runs',
    join(dir, 'runs'),
    '--metric',
    'deletion-auc',
    '--option',
    'steps=4',
  );
  assert.is(out.code, 0, out.stderr);
  assert.match(out.stdout, /deletion-auc \(lower is better\), mean and 95% interval: vanilla-gradient \d/);
  assert.is(tf.memory().numTensors, before);
  const store = new RunStore(join(dir, 'runs'));
  const record = store.read('plain').metrics![0];
  assert.equal(record.options.steps, 4);
  assert.equal(record.batches, [0, 1]);
  assert.equal(runValues(store, 'plain', 'gradient-x-input', 'deletion-auc').length, N);
  const bad = await cli('evaluate', '--run', 'plain', '--runs', join(dir, 'runs'), '--metric', 'no-such');
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /unknown metric plugin 'no-such'; known: .*deletion-auc/);
  const badOption = await cli(
    'evaluate',
    '--run',
    'plain',
    '--runs',
    join(dir, 'runs'),
    '--metric',
    'deletion-auc',
    '--option',
    'steps=-1',
  );
  assert.is(badOption.code, 2);
  assert.match(badOption.stderr, /steps/);
});

test('a resumed run keeps the seed its metrics drew', async () => {
  const store = new RunStore(join(dir, 'runs'));
  const metrics = [{ plugin: 'insertion-auc', options: { steps: 4, baseline: 'uniform' } }];
  const first = await runAttributions(config('resumed', 6, metrics), { registry: builtinRegistry(), stopAfter: 1 });
  assert.is(first.manifest.status, 'incomplete');
  const seed = first.manifest.metrics![0].options.seed;
  const done = await runAttributions(config('resumed', 6, metrics), { registry: builtinRegistry(), resume: 'resumed' });
  assert.is(done.manifest.status, 'complete');
  assert.is(done.manifest.metrics![0].options.seed, seed);
  assert.equal(done.manifest.metrics![0].batches, [0, 1]);
  await runAttributions(
    config('whole', 6, [{ ...metrics[0], options: { ...metrics[0].options, seed } }]),
    { registry: builtinRegistry() },
  );
  const a = runValues(store, 'resumed', 'vanilla-gradient', 'insertion-auc');
  const b = runValues(store, 'whole', 'vanilla-gradient', 'insertion-auc');
  for (let i = 0; i < N; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `sample ${i}: ${a[i]} vs ${b[i]}`);
});

test.run();
