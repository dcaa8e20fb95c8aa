import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../../core/engine/backend.ts';
import { parseNpy } from '../../../core/io/npy.ts';
import { runAttributions } from '../../../core/runs/runner.ts';
import { RunStore } from '../../../core/runs/store.ts';
import { cli } from '../../helpers/cli.ts';
import { echoMask } from '../../fixtures/echo-mask-plugins.ts';
import { builtinRegistry, saveLayersModel, seeded, smallConvNet, tempDir, writeNpy } from '../../helpers/fixtures.ts';

const test = suite('one pipeline: attribute and run compute a batch the same way');
let dir = '';
let model = '';
let x = '';
let y = '';
const N = 10;

test.before(async () => {
  await initBackend();
  dir = tempDir();
  const net = smallConvNet({ classes: 5, activation: 'relu' });
  model = await saveLayersModel(net, join(dir, 'model'));
  net.dispose();
  x = writeNpy(join(dir, 'x.npy'), seeded(N * 8 * 8 * 3, 11), [N, 8, 8, 3]);
  y = writeNpy(join(dir, 'y.npy'), Int32Array.from({ length: N }, (_, i) => i % 5), [N]);
});

/** Every map of a run's method, batches concatenated, as the bytes of its float32 values. */
function runMaps(runDir: string, method: string, batches: number): Uint8Array {
  const parts = Array.from({ length: batches }, (_, b) => {
    const file = join(runDir, 'batches', String(b).padStart(5, '0'), 'maps', `${method}.npy`);
    const array = parseNpy(new Uint8Array(readFileSync(file)));
    const data = array.data as Float32Array;
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), at += p.length);
  return out;
}

function npyBytes(path: string): Uint8Array {
  const data = parseNpy(new Uint8Array(readFileSync(path))).data as Float32Array;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

const METHODS: [string, string[]][] = [
  ['vanilla-gradient', []],
  ['smoothgrad', ['samples=3', 'seed=5']],
  ['integrated-gradients', ['steps=6']],
  ['smoothgrad', ['samples=2', 'seed=9', 'base=integrated-gradients', 'base.options.steps=4']],
  ['grad-cam', []],
];

for (const [method, options] of METHODS) {
  test(`attribute and run write byte-identical maps: ${method} ${options.join(' ')}`, async () => {
    const out = join(dir, `maps-${method}-${options.length}.npy`);
    const flags = options.flatMap((o) => ['--option', o]);
    const a = await cli(
      'attribute',
      '--model',
      model,
      '--inputs',
      x,
      '--labels',
      y,
      '--method',
      method,
      '--batch-size',
      '4',
      '--workers',
      '1',
      ...flags,
      '--out',
      out,
    );
    assert.is(a.code, 0, a.stderr);
    const runOptions: Record<string, unknown> = Object.fromEntries(
      options.filter((o) => !o.startsWith('base')).map((o) => {
        const [k, v] = o.split('=');
        return [k, Number(v)];
      }),
    );
    if (options.some((o) => o.startsWith('base='))) {
      runOptions.base = { plugin: 'integrated-gradients', options: { steps: 4 } };
    }
    const runs = join(dir, `runs-${method}-${options.length}`);
    const { manifest } = await runAttributions({
      id: 'r',
      runsDir: runs,
      model: { plugin: 'layers-model', options: { path: model } },
      dataset: { plugin: 'npy', options: { x, y }, batchSize: 4 },
      methods: [{ plugin: method, options: runOptions }],
    }, { registry: builtinRegistry() });
    assert.is(manifest.status, 'complete');
    const fromRun = runMaps(join(runs, 'r'), method, manifest.batches.length);
    const fromAttribute = npyBytes(out);
    assert.is(fromAttribute.length, fromRun.length);
    assert.ok(fromAttribute.every((b, i) => b === fromRun[i]), 'the bytes differ');
    assert.ok(new Float32Array(fromRun.buffer).some((v) => v !== 0), 'maps are not all zero');
  });
}

test('a run without a seed records the one it drew, and that seed reproduces its maps', async () => {
  const runs = join(dir, 'seeds');
  const config = (id: string, options: Record<string, unknown>) => ({
    id,
    runsDir: runs,
    model: { plugin: 'layers-model', options: { path: model } },
    dataset: { plugin: 'npy', options: { x, y }, batchSize: 5 },
    methods: [
      { plugin: 'vargrad', options },
    ],
  });
  const base = { plugin: 'integrated-gradients', options: { steps: 3, baseline: 'uniform' } };
  const drawn = await runAttributions(config('drawn', { samples: 3, base }), { registry: builtinRegistry() });
  const recorded = drawn.manifest.methods[0].options as {
    seed: number;
    base: { plugin: string; options: { seed: number; steps: number; baseline: string } };
  };
  assert.type(recorded.seed, 'number');
  assert.is(recorded.base.plugin, 'integrated-gradients');
  assert.type(recorded.base.options.seed, 'number', 'the wrapped method records its seed too');
  assert.is(recorded.base.options.steps, 3);
  const again = await runAttributions(config('again', recorded), { registry: builtinRegistry() });
  assert.equal(again.manifest.methods[0].options, recorded);
  const [a, b] = [runMaps(drawn.dir, 'vargrad', 2), runMaps(again.dir, 'vargrad', 2)];
  assert.ok(a.every((v, i) => v === b[i]), 'the recorded seeds give the same maps');
  const other = await runAttributions(config('other', { ...recorded, seed: recorded.seed + 1 }), {
    registry: builtinRegistry(),
  });
  const c = runMaps(other.dir, 'vargrad', 2);
  assert.ok(c.some((v, i) => v !== a[i]), 'another seed changes them');
});

test('a resumed run keeps the seeds it drew', async () => {
  const runs = join(dir, 'resume');
  const config = {
    id: 'part',
    runsDir: runs,
    model: { plugin: 'layers-model', options: { path: model } },
    dataset: { plugin: 'npy', options: { x, y }, batchSize: 3 },
    methods: [{ plugin: 'smoothgrad', options: { samples: 3 } }],
  };
  const first = await runAttributions(config, { registry: builtinRegistry(), stopAfter: 2 });
  assert.is(first.manifest.status, 'incomplete');
  const done = await runAttributions(config, { registry: builtinRegistry(), resume: 'part' });
  assert.is(done.manifest.status, 'complete');
  assert.equal(done.manifest.methods[0].options, first.manifest.methods[0].options);
  const whole = await runAttributions({
    ...config,
    id: 'whole',
    methods: [{ plugin: 'smoothgrad', options: done.manifest.methods[0].options }],
  }, {
    registry: builtinRegistry(),
  });
  const [a, b] = [runMaps(done.dir, 'smoothgrad', 4), runMaps(whole.dir, 'smoothgrad', 4)];
  assert.ok(a.every((v, i) => v === b[i]), 'resumed batches use the first part seed');
});

test("a dataset's extra arrays are stored with each batch and reach the methods by name", async () => {
  const mask = writeNpy(join(dir, 'mask.npy'), seeded(N * 8 * 8 * 3, 21), [N, 8, 8, 3]);
  const meta = writeNpy(join(dir, 'meta.npy'), Float32Array.from({ length: N }, (_, i) => i * 10), [N]);
  const registry = builtinRegistry();
  registry.register(echoMask, 'tests/fixtures/echo-mask-plugins.ts');
  for (const workers of [1, 2]) {
    const runs = join(dir, `extra-${workers}`);
    const { manifest, dir: runDir } = await runAttributions({
      id: 'e',
      runsDir: runs,
      model: { plugin: 'layers-model', options: { path: model } },
      dataset: { plugin: 'npy', options: { x, y, extra: { mask, meta } }, batchSize: 4 },
      methods: [{ plugin: 'echo-mask' }],
    }, {
      registry,
      workers,
      registryModules: [
        new URL('../../../plugins/index.ts', import.meta.url).href,
        new URL('../../fixtures/echo-mask-plugins.ts', import.meta.url).href,
      ],
    });
    assert.equal(manifest.dataset.extra, { mask: [8, 8, 3], meta: [] });
    const store = new RunStore(runs);
    const rows = seeded(N * 8 * 8 * 3, 21);
    for (const b of manifest.batches) {
      const stored = store.readArray('e', b.index, 'extra/mask.npy');
      assert.equal(stored.shape, [b.size, 8, 8, 3]);
      const start = b.index * 4 * 192;
      assert.equal(Array.from(stored.data as Float32Array), Array.from(rows.subarray(start, start + b.size * 192)));
      assert.equal(
        Array.from(store.readArray('e', b.index, 'extra/meta.npy').data as Float32Array),
        Array.from({ length: b.size }, (_, i) => (b.index * 4 + i) * 10),
      );
      assert.equal(
        Array.from(store.readMap('e', b.index, 'echo-mask').data as Float32Array),
        Array.from(stored.data as Float32Array),
      );
    }
    assert.ok(existsSync(join(runDir, 'manifest.json')));
  }
});

test.run();
