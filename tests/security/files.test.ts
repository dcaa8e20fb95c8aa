/**
 * Malformed and hostile files, as they arrive from elsewhere: `.npy` headers that lie, weight
 * shards that leave the model's folder or are no files at all, unwritable outputs, and damaged or
 * broken runs in the runs directory. The CLI answers each with one line and exit code 2; the
 * server with an error status, never a stack trace or a wrong picture. Positive controls: the
 * same commands and endpoints on good files succeed.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeNpy, encodeNpyHeader } from '../../core/io/npy.ts';
import { assertDirCanBeWritten } from '../../core/io/writable.ts';
import { RunStore } from '../../core/runs/store.ts';
import { createApp } from '../../ui/server/app.ts';
import { cli, cliProcess } from '../helpers/cli.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { makeModelRun } from '../../ui/testing/model-run.ts';

const test = suite('security: files');
let dir = '';
let model = '';
let x = '';

test.before(async () => {
  dir = tempDir('gradlens-files-');
  await makeModelRun(dir, 'good');
  model = join(dir, 'model.json');
  x = join(dir, 'x.npy');
});

/** One line on stderr, exit code 2, mentioning each of `parts`; nothing at `out` afterwards. */
async function expectRefusal(args: string[], ...parts: RegExp[]) {
  const r = await cli(...args);
  assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('gradlens: ') && !l.startsWith('attribute: '));
  assert.is(lines.length, 1, r.stderr);
  assert.not.match(r.stderr, /unexpected error|\n\s+at /);
  for (const p of parts) assert.match(lines[0], p);
  return lines[0];
}

/** A `.npy` file with the given header text (version 1 or 2) and `data` bytes after it. */
function npyWithHeader(name: string, header: string, data: number, version = 1, claimed?: number): string {
  const start = version === 1 ? 10 : 12;
  const bytes = new Uint8Array(start + header.length + data);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(bytes.buffer);
  if (version === 1) view.setUint16(8, claimed ?? header.length, true);
  else view.setUint32(8, claimed ?? header.length, true);
  for (let i = 0; i < header.length; i++) bytes[start + i] = header.charCodeAt(i);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const attribute = (inputs: string, m = model, out = join(dir, 'maps.npy')) => [
  'attribute',
  '--model',
  m,
  '--inputs',
  inputs,
  '--out',
  out,
];

test('.npy headers that lie are refused in one line', async () => {
  const h = (shape: string) => `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape}), }`;
  const cases: [string, RegExp][] = [
    [npyWithHeader('neg.npy', h('-3, 8, 8, 1'), 0), /non-negative integer, got '-3'/],
    [npyWithHeader('frac.npy', h('2.5, 8, 8, 1'), 0), /non-negative integer, got '2\.5'/],
    [npyWithHeader('word.npy', h('many, 8, 8, 1'), 0), /non-negative integer, got 'many'/],
    [npyWithHeader('huge.npy', h('99999999999, 99999999, 8, 1'), 0), /over the \d+ gradlens reads/],
    [npyWithHeader('long.npy', h('1, 8, 8, 1'), 0, 2, 2 ** 31), /header claims 2147483648 bytes/],
    [npyWithHeader('past.npy', h('1, 8, 8, 1'), 0, 2, 5000), /past the end of the file/],
    [npyWithHeader('short.npy', h('2, 8, 8, 1'), 100), /truncated: .* needs 512 data bytes, the file has 100/],
    [npyWithHeader('extra.npy', h('1, 8, 8, 1'), 300), /longer than its header says/],
    [npyWithHeader('dtype.npy', "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", 8), /unsupported dtype/],
    [npyWithHeader('v9.npy', h('1,'), 4, 9), /unknown \.npy format version 9/],
  ];
  for (const [path, message] of cases) {
    const line = await expectRefusal(attribute(path), message);
    assert.match(line, new RegExp(path.split('/').pop()!.replace('.', '\\.')));
  }
  // Positive control: the same command on a good file.
  const r = await cli(...attribute(x));
  assert.is(r.code, 0, r.stderr);
});

test('weight shards: only regular files inside the model folder, sized before reading', async () => {
  const variant = (name: string, paths: string[], setup?: (folder: string) => void) => {
    const folder = join(dir, name);
    mkdirSync(folder, { recursive: true });
    const json = JSON.parse(readFileSync(model, 'utf8'));
    json.weightsManifest[0].paths = paths;
    writeFileSync(join(folder, 'model.json'), JSON.stringify(json));
    setup?.(folder);
    return join(folder, 'model.json');
  };
  const escape = variant('m-escape', ['../../../../../../../../etc/passwd']);
  let line = await expectRefusal(attribute(x, escape), /leads outside the model's folder/);
  assert.not.match(line, /bytes/, 'the size of the file outside does not leak');
  const linked = variant('m-link', ['weights.bin'], (f) => symlinkSync('/etc/passwd', join(f, 'weights.bin')));
  line = await expectRefusal(attribute(x, linked), /leads outside the model's folder/);
  assert.not.match(line, /bytes|root/);
  const zero = variant('m-zero', ['weights.bin'], (f) => symlinkSync('/dev/zero', join(f, 'weights.bin')));
  await expectRefusal(attribute(x, zero), /leads outside/);
  const folderShard = variant('m-dir', ['weights.bin'], (f) => mkdirSync(join(f, 'weights.bin')));
  await expectRefusal(attribute(x, folderShard), /not a regular file/);
  const fifo = variant('m-fifo', ['weights.bin'], (f) => spawnSync('mkfifo', [join(f, 'weights.bin')]));
  await expectRefusal(attribute(x, fifo), /not a regular file/);
  // A 3 GiB sparse shard: refused on its size, without a byte read.
  const big = variant('m-big', ['weights.bin'], (f) => {
    writeFileSync(join(f, 'weights.bin'), '');
    truncateSync(join(f, 'weights.bin'), 3 * 2 ** 30);
  });
  await expectRefusal(attribute(x, big), /hold 3221225472 bytes, the model's weights need \d+/);
  const passwd = variant(
    'm-json',
    [],
    (f) => writeFileSync(join(f, 'model.json'), 'root:x:0:0:root:/root:/bin/bash\n'),
  );
  line = await expectRefusal(attribute(x, passwd), /not valid JSON/);
  assert.not.match(line, /root:x/, 'the file is not quoted');
  const good = variant('m-good', ['weights.bin'], (f) => cpSync(join(dir, 'weights.bin'), join(f, 'weights.bin')));
  assert.is((await cli(...attribute(x, good))).code, 0);
});

test('an unwritable --out or runs directory: exit 2 with the reason, nothing written', async () => {
  await expectRefusal(attribute(x, model, '/proc/x.npy'), /--out \/proc\/x\.npy/, /cannot write/);
  const config = join(dir, 'to-proc.json');
  writeFileSync(
    config,
    JSON.stringify({
      runsDir: '/proc/gradlens-runs',
      model: { plugin: 'layers-model', options: { path: 'model.json' } },
      dataset: { plugin: 'npy', options: { x: 'x.npy' } },
      methods: [{ plugin: 'vanilla-gradient' }],
    }),
  );
  await expectRefusal(['run', '--config', config], /runsDir/, /cannot write in \/proc\/gradlens-runs/);
  // The dashboard writes runs started from the page there: refused before it listens.
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a folder');
  for (
    const [command, runs, reason] of [
      ['serve', '/proc/gradlens-runs', /cannot write in \/proc\/gradlens-runs/],
      ['serve', join(file, 'runs'), /cannot write in .*\(ENOTDIR\)/],
      ['start', '/proc/gradlens-runs', /cannot write in \/proc\/gradlens-runs/],
    ] as const
  ) {
    // The real bin, as a user starts it: it must exit, not listen.
    const r = cliProcess([command, '--runs', runs, '--port', '0']);
    assert.is(r.code, 2, `${command} --runs ${runs}: ${r.stderr}`);
    assert.match(r.stderr, /--runs/);
    assert.match(r.stderr, reason);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
    assert.is(r.stdout, '', 'no URL printed');
  }
  assert.not.ok(existsSync('/proc/gradlens-runs'));
  assert.not.ok(existsSync(join(file, 'runs')));
  // The positive control: a folder that can be created passes the check and is not created by it.
  const later = join(tempDir('gradlens-later-'), 'a', 'runs');
  assertDirCanBeWritten(later, '--runs');
  assert.not.ok(existsSync(dirname(later)), 'nothing written');
  const there = tempDir('gradlens-there-');
  assertDirCanBeWritten(there, '--runs');
  assert.equal(readdirSync(there), [], 'no probe left');
});

test('the server refuses to serve a map whose shape disagrees with the manifest, and lists broken runs', async () => {
  const root = tempDir('gradlens-damaged-');
  cpSync(join(dir, 'runs'), join(root, 'runs'), { recursive: true });
  const store = new RunStore(join(root, 'runs'));
  const good = await createApp(store).request('/api/runs/good/batches/0/maps/vanilla-gradient');
  assert.is(good.status, 200);
  // Same byte count, other shape: painted as it is, it would be garbage. (A new server: one that
  // served the batch already answers from memory, since a finished batch's files do not change.)
  writeFileSync(store.mapPath('good', 0, 'vanilla-gradient'), encodeNpy(new Float32Array(4 * 64), [4, 4, 16]));
  const app = createApp(store);
  for (const q of ['', '?format=npy', '?format=png&sample=0']) {
    const res = await app.request(`/api/runs/good/batches/0/maps/vanilla-gradient${q}`);
    assert.is(res.status, 500, q);
    assert.match((await res.json()).error, /has shape \[4, 4, 16\], the manifest says \[4, 8, 8\].*damaged/);
  }
  writeFileSync(store.batchFile('good', 1, 'inputs.npy'), encodeNpyHeader('<f4', [-1, 8]));
  const inputs = await app.request('/api/runs/good/batches/1/inputs');
  assert.is(inputs.status, 500);
  assert.match((await inputs.json()).error, /inputs\.npy cannot be read/);
  // A run whose manifest is broken is listed with the reason, not dropped.
  mkdirSync(join(root, 'runs', 'wrecked'));
  writeFileSync(join(root, 'runs', 'wrecked', 'manifest.json'), '{"format": "gradlens-run", "version": 1');
  mkdirSync(join(root, 'runs', 'not-a-run'));
  const list = await (await app.request('/api/runs')).json();
  const wrecked = list.runs.find((r: { id: string }) => r.id === 'wrecked');
  assert.is(wrecked?.status, 'broken');
  assert.match(wrecked.error, /cannot read manifest/);
  assert.not.ok(wrecked.error.includes(root), 'the reason names the file inside the runs directory only');
  assert.not.ok(list.runs.some((r: { id: string }) => r.id === 'not-a-run'));
  assert.ok(list.runs.some((r: { id: string; status: string }) => r.id === 'good' && r.status === 'complete'));
  rmSync(root, { recursive: true, force: true });
});

test.run();
