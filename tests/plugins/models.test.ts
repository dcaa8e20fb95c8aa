import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { attribute } from '../../core/pipeline/attribute.ts';
import { initBackend } from '../../core/engine/backend.ts';
import { tf } from '../../core/tensor/tf.ts';
import { ROOT } from '../helpers/cli.ts';
import { cli } from '../helpers/cli.ts';
import { builtinRegistry, seeded, tempDir, writeNpy } from '../helpers/fixtures.ts';
import { graphModel, moduleModel, vanillaGradient } from '../../plugins/index.ts';

const test = suite('model plugins: graph-model and module-model from disk');
let dir = '';
const W = seeded(12 * 3, 4).map((v) => v - 0.5); // [12, 3]

/** Writes a converter-style GraphModel: x [N, 2, 2, 3] -> Reshape -> MatMul -> BiasAdd -> Softmax -> Identity. */
function writeGraphModel(path: string): string {
  mkdirSync(path, { recursive: true });
  const float = { type: 'DT_FLOAT' };
  const node = [
    {
      name: 'x',
      op: 'Placeholder',
      attr: { dtype: float, shape: { shape: { dim: [-1, 2, 2, 3].map((s) => ({ size: String(s) })) } } },
    },
    { name: 'w', op: 'Const', attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT' } } } },
    { name: 'b', op: 'Const', attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT' } } } },
    { name: 'shape', op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32' } } } },
    { name: 'flat', op: 'Reshape', input: ['x', 'shape'], attr: { T: float, Tshape: { type: 'DT_INT32' } } },
    {
      name: 'mm',
      op: 'MatMul',
      input: ['flat', 'w'],
      attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } },
    },
    { name: 'logits', op: 'BiasAdd', input: ['mm', 'b'], attr: { T: float } },
    { name: 'probs', op: 'Softmax', input: ['logits'], attr: { T: float } },
    { name: 'Identity', op: 'Identity', input: ['probs'], attr: { T: float } },
  ];
  const weights = [
    { name: 'w', shape: [12, 3], dtype: 'float32' },
    { name: 'b', shape: [3], dtype: 'float32' },
    { name: 'shape', shape: [2], dtype: 'int32' },
  ];
  const bytes = new Uint8Array(12 * 3 * 4 + 3 * 4 + 8);
  bytes.set(new Uint8Array(W.buffer), 0);
  bytes.set(new Uint8Array(new Float32Array([0.1, -0.2, 0.3]).buffer), 144);
  bytes.set(new Uint8Array(new Int32Array([-1, 12]).buffer), 156);
  writeFileSync(join(path, 'weights.bin'), bytes);
  writeFileSync(
    join(path, 'model.json'),
    JSON.stringify({
      format: 'graph-model',
      generatedBy: 'gradlens tests',
      modelTopology: { node, versions: { producer: 1 } },
      weightsManifest: [{ paths: ['weights.bin'], weights }],
      signature: {
        inputs: {
          x: {
            name: 'x:0',
            dtype: 'DT_FLOAT',
            tensorShape: { dim: [{ size: '-1' }, { size: '2' }, { size: '2' }, { size: '3' }] },
          },
        },
        outputs: {
          out: { name: 'Identity:0', dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '-1' }, { size: '3' }] } },
        },
      },
    }),
  );
  return join(path, 'model.json');
}

test.before(async () => {
  await initBackend();
  dir = tempDir();
});

test('graph-model reads model.json and shards, bypasses the final Softmax, and gradients are W[:, c]', async () => {
  const path = writeGraphModel(join(dir, 'graph'));
  const model = await graphModel.load(graphModel.options.parse({ path }), { baseDir: dir });
  assert.equal(model.outputs.map((o) => o.scores), ['pre-softmax']);
  assert.match(model.outputs[0].note ?? '', /softmax node 'probs' bypassed/);
  const x = tf.tensor(seeded(2 * 12, 8), [2, 2, 2, 3]);
  const { maps, targets } = await attribute(model, x, {
    method: vanillaGradient,
    target: { class: 1 },
    abs: false,
    reduce: 'none',
  });
  const got = await maps.data();
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 12; j++) assert.ok(Math.abs(got[i * 12 + j] - W[j * 3 + 1]) < 1e-6, `sample ${i} input ${j}`);
  }
  tf.dispose([x, maps, targets]);
  model.dispose();
});

test('the CLI picks the graph-model plugin from the model.json format', async () => {
  const path = writeGraphModel(join(dir, 'graph-cli'));
  const x = writeNpy(join(dir, 'gx.npy'), seeded(4 * 12, 2), [4, 2, 2, 3]);
  const r = await cli('attribute', '--model', path, '--inputs', x, '--target', '2', '--out', join(dir, 'gm.npy'));
  assert.is(r.code, 0, r.stderr);
  const bad = await cli(
    'run',
    '--model',
    path,
    '--model-plugin',
    'layers-model',
    '--inputs',
    x,
    '--runs',
    join(dir, 'r'),
  );
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /GraphModel .* use the graph-model plugin/);
});

test('module-model loads a factory from a TypeScript module, with args, several heads and class names', async () => {
  const options = moduleModel.options.parse({ module: join(ROOT, 'tests/fixtures/code-model.ts'), args: { scale: 2 } });
  const model = await moduleModel.load(options, { baseDir: ROOT });
  assert.equal(model.outputs.map((o) => o.name), ['logits', 'aux']);
  assert.equal(model.classNames, ['a', 'b', 'c']);
  const x = tf.ones([1, 2, 2, 1]);
  const { maps, targets } = await attribute(model, x, {
    method: vanillaGradient,
    output: 'aux',
    target: { class: 0 },
    abs: false,
    reduce: 'none',
  });
  // d(-x W * 2)[c=0] / dx_j = -0.2 * W[j, 0] with W[j, 0] = 3j / 10.
  assert.equal(Array.from(await maps.data()).map((v) => Math.round(v * 100) / 100), [0, -0.6, -1.2, -1.8]);
  tf.dispose([x, maps, targets]);
  model.dispose();
});

test('module-model names the module and the export when something is wrong', async () => {
  const registry = builtinRegistry();
  const plugin = registry.get('model', 'module-model');
  const missing = plugin.options.parse({ module: join(ROOT, 'tests/fixtures/code-model.ts'), export: 'nope' });
  try {
    await plugin.load(missing, { baseDir: ROOT });
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, /code-model\.ts: module has no export 'nope'; exports: default/);
  }
});

test.run();
