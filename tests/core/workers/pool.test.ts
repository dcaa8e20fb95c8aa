import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../../core/engine/backend.ts';
import type { RunConfigInput } from '../../../core/runs/config.ts';
import { runAttributions } from '../../../core/runs/runner.ts';
import { builtinRegistry, saveLayersModel, seeded, smallConvNet, tempDir, writeNpy } from '../../helpers/fixtures.ts';

const test = suite('worker pool');
const registryModules = [new URL('../../../plugins/index.ts', import.meta.url).href];
let dir = '';
let config: (runsDir: string) => RunConfigInput;
const N = 24;

test.before(async () => {
  await initBackend();
  dir = tempDir();
  const net = smallConvNet({ classes: 5, activation: 'relu' });
  const model = await saveLayersModel(net, join(dir, 'model'));
  net.dispose();
  const x = writeNpy(join(dir, 'x.npy'), seeded(N * 8 * 8 * 3, 5), [N, 8, 8, 3]);
  const y = writeNpy(join(dir, 'y.npy'), Int32Array.from({ length: N }, (_, i) => i % 5), [N]);
  config = (runsDir) => ({
    id: 'r',
    runsDir,
    model: { plugin: 'layers-model', options: { path: model } },
    dataset: { plugin: 'npy', options: { x, y }, batchSize: 5 },
    methods: [
      { plugin: 'vanilla-gradient' },
      { plugin: 'smoothgrad', options: { samples: 4, seed: 3 } },
      { plugin: 'integrated-gradients', options: { steps: 4 } },
    ],
  });
});

/** Every file under the run's batch directories (not the manifest, which holds times), by relative path. */
function files(runDir: string, sub = ''): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const entry of readdirSync(join(runDir, sub), { withFileTypes: true })) {
    const rel = join(sub, entry.name);
    if (entry.isDirectory()) { for (const [k, v] of files(runDir, rel)) out.set(k, v); }
    else if (sub !== '') out.set(rel, readFileSync(join(runDir, rel)));
  }
  return out;
}

test('a run on 2 workers writes the same files, byte for byte, as on 1', async () => {
  const one = await runAttributions(config(join(dir, 'one')), { registry: builtinRegistry(), workers: 1 });
  const two = await runAttributions(config(join(dir, 'two')), {
    registry: builtinRegistry(),
    workers: 2,
    registryModules,
  });
  assert.is(two.manifest.status, 'complete');
  assert.is(two.manifest.batches.length, Math.ceil(N / 5));
  assert.equal(two.manifest.batches.map((b) => b.index), one.manifest.batches.map((b) => b.index));
  assert.equal(two.manifest.methods.map((m) => m.perSample), one.manifest.methods.map((m) => m.perSample));
  const [a, b] = [files(one.dir), files(two.dir)];
  assert.ok(a.size > 3 * 7, `${a.size} files`);
  assert.equal([...b.keys()].sort(), [...a.keys()].sort());
  for (const [name, bytes] of a) assert.ok(bytes.equals(b.get(name)!), `${name} differs`);
});

test('stopAfter with workers leaves a resumable run that finishes like a single-worker one', async () => {
  const runs = join(dir, 'stop');
  const first = await runAttributions(config(runs), {
    registry: builtinRegistry(),
    workers: 2,
    registryModules,
    stopAfter: 2,
  });
  assert.is(first.manifest.status, 'incomplete');
  assert.is(first.manifest.batches.length, 2);
  const done = await runAttributions(config(runs), {
    registry: builtinRegistry(),
    workers: 2,
    registryModules,
    resume: 'r',
  });
  assert.is(done.manifest.status, 'complete');
  const [a, b] = [files(join(dir, 'one', 'r')), files(done.dir)];
  for (const [name, bytes] of a) assert.ok(bytes.equals(b.get(name)!), `${name} differs`);
});

test('a plugin error in a worker fails the run with its message', async () => {
  const bad = { ...config(join(dir, 'bad')), methods: [{ plugin: 'smoothgrad', options: { samples: 2 } }] };
  // A model path that does not exist fails while the workers load it.
  bad.model = { plugin: 'layers-model', options: { path: join(dir, 'missing', 'model.json') } };
  try {
    await runAttributions(bad, { registry: builtinRegistry(), workers: 2, registryModules });
    assert.unreachable('should have failed');
  } catch (error) {
    assert.match((error as Error).message, /missing/);
  }
});

test.run();
