import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../core/engine/backend.ts';
import { parseNpy } from '../../core/io/npy.ts';
import { readFileSync } from 'node:fs';
import { cli, cliProcess } from '../helpers/cli.ts';
import { saveLayersModel, seeded, smallConvNet, tempDir, writeNpy } from '../helpers/fixtures.ts';

const test = suite('cli: bad input never loses work or hides the cause');
let dir = '';
let model = '';
let x = '';
let y = '';

test.before(async () => {
  await initBackend();
  dir = tempDir();
  const net = smallConvNet({ classes: 5, activation: 'relu' });
  model = await saveLayersModel(net, join(dir, 'model'));
  net.dispose();
  x = writeNpy(join(dir, 'x.npy'), seeded(6 * 8 * 8 * 3), [6, 8, 8, 3]);
  y = writeNpy(join(dir, 'y.npy'), new Int32Array([0, 1, 2, 3, 4, 0]), [6]);
});

/** Asserts a one-line error with exit code 2, no stack trace, mentioning every `parts`. */
async function expectError(args: string[], ...parts: (string | RegExp)[]) {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}.npy`);
  const r = await cli(...args.map((a) => (a === '$OUT' ? out : a)));
  assert.is(r.code, 2, `exit code for ${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('gradlens: ') && !l.startsWith('attribute: '));
  assert.is(lines.length, 1, `one line: ${r.stderr}`);
  assert.not.match(lines[0], /\n\s+at /);
  for (const p of parts) assert.match(lines[0], p);
  if (args.includes('$OUT')) assert.not.ok(existsSync(out), 'no half-written output');
}

test('the happy path writes [N, H, W] float32 maps', async () => {
  const out = join(dir, 'maps.npy');
  const r = await cli('attribute', '--model', model, '--inputs', x, '--labels', y, '--out', out);
  assert.is(r.code, 0, r.stderr);
  const maps = parseNpy(new Uint8Array(readFileSync(out)));
  assert.equal(maps.shape, [6, 8, 8]);
  assert.is(maps.dtype, '<f4');
  assert.ok(Array.from(maps.data as Float32Array).some((v) => v > 0));
  const none = join(dir, 'maps-none.npy');
  assert.is(
    (await cli('attribute', '--model', model, '--inputs', x, '--reduce', 'none', '--batch-size', '4', '--out', none))
      .code,
    0,
  );
  assert.equal(parseNpy(new Uint8Array(readFileSync(none))).shape, [6, 8, 8, 3]);
});

test('missing model.json', () =>
  expectError(
    ['attribute', '--model', join(dir, 'nope/model.json'), '--inputs', x, '--out', '$OUT'],
    /nope\/model\.json/,
    /not found/,
  ));

test('malformed model.json', async () => {
  const bad = join(dir, 'bad');
  mkdirSync(bad, { recursive: true });
  writeFileSync(join(bad, 'model.json'), '{"modelTopology": ');
  await expectError(
    ['attribute', '--model', join(bad, 'model.json'), '--inputs', x, '--out', '$OUT'],
    /bad\/model\.json/,
    /not valid JSON/,
  );
  writeFileSync(join(bad, 'model.json'), '{"format": "layers-model"}');
  await expectError(['attribute', '--model', join(bad, 'model.json'), '--inputs', x, '--out', '$OUT'], /modelTopology/);
});

test('missing or truncated weights file', async () => {
  const m2 = join(dir, 'm2');
  mkdirSync(m2, { recursive: true });
  const json = JSON.parse(readFileSync(model, 'utf8'));
  writeFileSync(join(m2, 'model.json'), JSON.stringify(json));
  await expectError(
    ['attribute', '--model', join(m2, 'model.json'), '--inputs', x, '--out', '$OUT'],
    /weights\.bin/,
    /missing/,
  );
  writeFileSync(join(m2, 'weights.bin'), new Uint8Array(10));
  await expectError(
    ['attribute', '--model', join(m2, 'model.json'), '--inputs', x, '--out', '$OUT'],
    /10 bytes/,
    /truncated/,
  );
});

test('input shape that does not match the model names both shapes', async () => {
  const wrong = writeNpy(join(dir, 'wrong.npy'), seeded(2 * 9 * 9 * 3), [2, 9, 9, 3]);
  await expectError(
    ['attribute', '--model', model, '--inputs', wrong, '--out', '$OUT'],
    /\[N, 9, 9, 3\]/,
    /\[N, 8, 8, 3\]/,
  );
});

test('labels out of range or of the wrong length', async () => {
  const big = writeNpy(join(dir, 'big.npy'), new Int32Array([0, 1, 9, 0, 0, 0]), [6]);
  await expectError(
    ['attribute', '--model', model, '--inputs', x, '--labels', big, '--out', '$OUT'],
    /label 9/,
    /5 classes/,
  );
  const short = writeNpy(join(dir, 'short.npy'), new Int32Array([0, 1]), [2]);
  await expectError(
    ['attribute', '--model', model, '--inputs', x, '--labels', short, '--out', '$OUT'],
    /short\.npy/,
    /2 labels/,
    /6 samples/,
  );
  const frac = writeNpy(join(dir, 'frac.npy'), new Float32Array([0, 1.5, 0, 0, 0, 0]), [6]);
  await expectError(
    ['attribute', '--model', model, '--inputs', x, '--labels', frac, '--out', '$OUT'],
    /1\.5/,
    /not an integer/,
  );
});

test('integral float and int64 and uint8 labels are accepted', async () => {
  for (
    const [name, data] of [['f', new Float64Array([0, 1, 2, 3, 4, 0])], [
      'l',
      new BigInt64Array([0n, 1n, 2n, 3n, 4n, 0n]),
    ], ['u', new Uint8Array([0, 1, 2, 3, 4, 0])]] as const
  ) {
    const path = writeNpy(join(dir, `y-${name}.npy`), data, [6]);
    const r = await cli(
      'attribute',
      '--model',
      model,
      '--inputs',
      x,
      '--labels',
      path,
      '--out',
      join(dir, `m-${name}.npy`),
    );
    assert.is(r.code, 0, r.stderr);
  }
});

test('NaN or infinite inputs', async () => {
  const values = seeded(6 * 8 * 8 * 3);
  values[8 * 8 * 3 * 4 + 5] = NaN;
  const nan = writeNpy(join(dir, 'nan.npy'), values, [6, 8, 8, 3]);
  await expectError(
    ['attribute', '--model', model, '--inputs', nan, '--batch-size', '2', '--out', '$OUT'],
    /NaN or infinite/,
    /row 4/,
  );
});

test('unknown method lists the known ones', () =>
  expectError(
    ['attribute', '--model', model, '--inputs', x, '--method', 'magic', '--out', '$OUT'],
    /unknown attribution plugin 'magic'/,
    /vanilla-gradient/,
  ));

test('unwritable output path', async () => {
  await expectError(
    ['attribute', '--model', model, '--inputs', x, '--out', join(dir, 'no/such/dir/maps.npy')],
    /does not exist/,
  );
  const locked = join(dir, 'locked');
  mkdirSync(locked);
  chmodSync(locked, 0o500);
  const r = await cli('attribute', '--model', model, '--inputs', x, '--out', join(locked, 'maps.npy'));
  // root may write anyway; then the command must simply succeed.
  assert.ok(r.code === 2 ? /permission denied/.test(r.stderr) : r.code === 0, r.stderr);
});

test('a config that fails its schema names the field', async () => {
  const config = join(dir, 'run.json');
  writeFileSync(
    config,
    JSON.stringify({
      model: { plugin: 'layers-model', options: { path: model } },
      dataset: { plugin: 'npy', options: { x }, batchSize: -3 },
      methods: [{ plugin: 'vanilla-gradient' }],
    }),
  );
  await expectError(['run', '--config', config], /run\.json/, /dataset\.batchSize/);
  writeFileSync(
    config,
    JSON.stringify({
      model: { plugin: 'layers-model', options: { path: model } },
      dataset: { plugin: 'npy', options: { x } },
      methods: [],
    }),
  );
  await expectError(['run', '--config', config], /methods/, /at least one/);
});

test('method options are validated by the method schema', () =>
  expectError(['attribute', '--model', model, '--inputs', x, '--option', 'steps=3', '--out', '$OUT'], /steps/));

test('the real bin: exit code 2, one line, no stack unless --verbose', () => {
  const r = cliProcess(['attribute', '--model', join(dir, 'nope.json'), '--inputs', x, '--out', join(dir, 'o.npy')]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /nope\.json: model file not found/);
  assert.not.match(r.stderr, /\s+at /);
  const v = cliProcess([
    'attribute',
    '--model',
    join(dir, 'nope.json'),
    '--inputs',
    x,
    '--out',
    join(dir, 'o.npy'),
    '--verbose',
  ]);
  assert.is(v.code, 2);
  assert.match(v.stderr, /\s+at /);
});

test.run();
