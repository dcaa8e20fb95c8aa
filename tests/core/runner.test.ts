import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../core/engine/backend.ts';
import { tf } from '../../core/tensor/tf.ts';
import { Registry } from '../../core/plugins/registry.ts';
import type { RunConfigInput } from '../../core/runs/config.ts';
import { Manifest } from '../../core/runs/manifest.ts';
import { runAttributions } from '../../core/runs/runner.ts';
import { RunStore } from '../../core/runs/store.ts';
import { cli, ROOT, startCli } from '../helpers/cli.ts';
import { builtinRegistry, saveLayersModel, seeded, smallConvNet, tempDir, writeNpy } from '../helpers/fixtures.ts';

const test = suite('runner and runs directory');
let dir = '';
let model = '';
let x = '';
let y = '';
const N = 40;

test.before(async () => {
  await initBackend();
  dir = tempDir();
  const net = smallConvNet({ classes: 5, activation: 'relu', softmax: true });
  model = await saveLayersModel(net, join(dir, 'model'), {
    userDefinedMetadata: { classNames: ['a', 'b', 'c', 'd', 'e'] },
  });
  net.dispose();
  x = writeNpy(join(dir, 'x.npy'), seeded(N * 8 * 8 * 3, 3), [N, 8, 8, 3]);
  y = writeNpy(join(dir, 'y.npy'), Int32Array.from({ length: N }, (_, i) => i % 5), [N]);
});

const config = (runsDir: string, extra: Record<string, unknown> = {}): RunConfigInput => ({
  runsDir,
  model: { plugin: 'layers-model', options: { path: model } },
  dataset: { plugin: 'npy', options: { x, y }, batchSize: 2 },
  methods: [{ plugin: 'vanilla-gradient' }, {
    plugin: 'vanilla-gradient',
    id: 'signed-grad',
    abs: false,
    reduce: 'sum',
  }],
  ...extra,
});

test('a 20-batch run writes a valid manifest and .npy files, and leaves the tensor count at its baseline', async () => {
  const runs = join(dir, 'runs-a');
  const registry = builtinRegistry();
  const before = tf.memory().numTensors;
  const { manifest } = await runAttributions(config(runs, { id: 'twenty' }), { registry });
  assert.is(tf.memory().numTensors, before);
  assert.is(manifest.status, 'complete');
  assert.is(manifest.batches.length, 20);
  const onDisk = Manifest.parse(JSON.parse(readFileSync(join(runs, 'twenty', 'manifest.json'), 'utf8')));
  assert.equal(onDisk.model.output.scores, 'pre-softmax');
  assert.match(onDisk.model.output.note ?? '', /softmax .* bypassed/);
  assert.equal(onDisk.model.classNames, ['a', 'b', 'c', 'd', 'e']);
  assert.is(onDisk.target.rule, 'label');
  assert.is(onDisk.backend.name, tf.getBackend());
  assert.ok(onDisk.versions.tfjs && onDisk.versions.gradlens && onDisk.versions.runtime);
  assert.equal(onDisk.methods.map((m) => [m.id, m.signed, m.conventions.abs, m.conventions.reduce]), [
    ['vanilla-gradient', false, true, 'max'],
    ['signed-grad', true, false, 'sum'],
  ]);
  const store = new RunStore(runs);
  assert.equal(store.readMap('twenty', 19, 'vanilla-gradient').shape, [2, 8, 8]);
  assert.equal(store.readArray('twenty', 0, 'probabilities.npy').shape, [2, 5]);
  const probs = store.readArray('twenty', 0, 'probabilities.npy').data as Float32Array;
  assert.ok(Math.abs(probs[0] + probs[1] + probs[2] + probs[3] + probs[4] - 1) < 1e-5);
  assert.equal(store.readIds('twenty', 3), ['6', '7']);
});

test('stopping midway leaves the run incomplete; resume finishes it without redoing batches', async () => {
  const runs = join(dir, 'runs-b');
  const registry = builtinRegistry();
  const first = await runAttributions(config(runs, { id: 'partial' }), { registry, stopAfter: 3 });
  assert.is(first.manifest.status, 'incomplete');
  const times = first.manifest.batches.map((b) => b.finishedAt);
  const done = await runAttributions(config(runs), { registry, resume: 'partial' });
  assert.is(done.manifest.status, 'complete');
  assert.is(done.manifest.batches.length, 20);
  assert.equal(done.manifest.batches.slice(0, 3).map((b) => b.finishedAt), times);
});

test('--resume after a kill -9 yields the same maps as an uninterrupted run', async () => {
  const runs = join(dir, 'runs-c');
  const cfg = join(dir, 'kill.json');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    cfg,
    JSON.stringify(config(runs, { id: 'killed', dataset: { plugin: 'npy', options: { x, y }, batchSize: 1 } })),
  );
  const child = startCli(['run', '--config', cfg]);
  const store = new RunStore(runs);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    if (store.has('killed') && store.read('killed').batches.length >= 2) break;
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const killed = store.read('killed');
  assert.is(killed.status, 'incomplete', 'a killed run reads as incomplete');
  assert.ok(killed.batches.length >= 2 && killed.batches.length < N, `killed after ${killed.batches.length} batches`);
  const resumed = await cli('run', '--config', cfg, '--resume');
  assert.is(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming run killed/);
  const full = await cli('run', '--config', cfg, '--id', 'uninterrupted');
  assert.is(full.code, 0, full.stderr);
  const after = store.read('killed');
  assert.is(after.status, 'complete');
  assert.is(after.batches.length, N);
  for (let b = 0; b < N; b++) {
    const a = store.readMap('killed', b, 'vanilla-gradient').data as Float32Array;
    const c = store.readMap('uninterrupted', b, 'vanilla-gradient').data as Float32Array;
    assert.equal(Array.from(a), Array.from(c), `batch ${b}`);
  }
});

test('relative paths in method options resolve against the config folder, not the working directory', async () => {
  writeNpy(join(dir, 'baseline.npy'), new Float32Array(8 * 8 * 3).fill(0.25), [8, 8, 3]);
  const runs = join(dir, 'runs-f');
  const { manifest } = await runAttributions({
    id: 'relative-baseline',
    runsDir: runs,
    model: { plugin: 'layers-model', options: { path: model } },
    dataset: { plugin: 'npy', options: { x, y }, batchSize: 8, limit: 8 },
    methods: [{ plugin: 'integrated-gradients', options: { steps: 4, baseline: 'baseline.npy' } }],
  }, { registry: builtinRegistry(), baseDir: dir });
  assert.is(manifest.status, 'complete');
  assert.equal(manifest.methods[0].perSample, ['completenessGap', 'relativeGap']);
});

test('custom Model, Dataset and Attribution plugins from examples/ run through the API', async () => {
  const registry = new Registry();
  for (const p of builtinRegistry().list('attribution')) registry.register(p, 'builtin');
  const runs = join(dir, 'runs-d');
  const { manifest } = await runAttributions({
    id: 'custom',
    runsDir: runs,
    plugins: [join(ROOT, 'examples/custom-plugins/plugins.ts')],
    model: { plugin: 'band-model' },
    dataset: { plugin: 'band-images', options: { count: 8 }, batchSize: 4 },
    methods: [{ plugin: 'vanilla-gradient' }, { plugin: 'row-occlusion' }],
  }, { registry });
  assert.is(manifest.status, 'complete');
  const store = new RunStore(runs);
  const labels = store.readArray('custom', 0, 'labels.npy').data as Int32Array;
  for (const method of ['vanilla-gradient', 'row-occlusion']) {
    const maps = store.readMap('custom', 0, method).data as Float32Array;
    // Class c reads only rows 3c..3c+2: every map's mass lies in the sample's band.
    for (let i = 0; i < 4; i++) {
      let inside = 0;
      let total = 0;
      for (let r = 0; r < 12; r++) {
        for (let c = 0; c < 12; c++) {
          const v = Math.abs(maps[i * 144 + r * 12 + c]);
          total += v;
          if (Math.floor(r / 3) === labels[i]) inside += v;
        }
      }
      assert.ok(total > 0 && inside / total > 0.999, `${method} sample ${i}: ${inside / total}`);
    }
  }
});

test('custom plugins run end to end through the CLI', async () => {
  const r = await cli(
    'run',
    '--config',
    join(ROOT, 'examples/custom-plugins/run.json'),
    '--runs',
    join(dir, 'runs-e'),
    '--id',
    'via-cli',
  );
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /run via-cli: complete, 4 batches, 32 samples, methods vanilla-gradient, row-occlusion/);
});

test('a plugin name clash or a malformed plugin is an error naming the module', async () => {
  const registry = builtinRegistry();
  const module = join(ROOT, 'examples/custom-plugins/plugins.ts');
  await registry.registerModule(module);
  try {
    await registry.registerModule(module);
    assert.unreachable();
  } catch (error) {
    assert.match(
      (error as Error).message,
      /plugins\.ts: model plugin 'band-model' is already registered by .*plugins\.ts/,
    );
  }
  assert.throws(
    () => registry.register({ kind: 'attribution', name: 'x', options: {} }, 'my-module.ts'),
    /my-module\.ts: malformed plugin/,
  );
});

test.run();
