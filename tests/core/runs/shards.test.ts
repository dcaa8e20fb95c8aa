import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardFlags } from '../../../core/cli/shard-flags.ts';
import { initBackend } from '../../../core/engine/backend.ts';
import { parseShard, seedsFromId, shardRange } from '../../../core/runs/shard.ts';
import { RunStore } from '../../../core/runs/store.ts';
import { binCommand, cli, cliProcess, ROOT } from '../../helpers/cli.ts';
import { saveLayersModel, seeded, smallConvNet, tempDir, writeNpy } from '../../helpers/fixtures.ts';

const test = suite('sharded runs');

test('shard blocks cover every batch exactly once, in order', () => {
  for (const planned of [0, 1, 5, 7, 100]) {
    for (const count of [1, 2, 3, 8]) {
      const seen: number[] = [];
      for (let index = 0; index < count; index++) {
        const { start, end } = shardRange({ index, count }, planned);
        for (let b = start; b < end; b++) seen.push(b);
      }
      assert.equal(seen, Array.from({ length: planned }, (_, i) => i), `${planned} batches, ${count} shards`);
    }
  }
});

test('--shard and --shard-index-env name the shard, and refuse what is not one', () => {
  assert.equal(parseShard('2/4'), { index: 2, count: 4 });
  assert.throws(() => parseShard('4/4'), /0 to 3/);
  assert.throws(() => parseShard('1-4'), /INDEX\/COUNT/);
  const env = { JOB_COMPLETION_INDEX: '3' };
  assert.equal(shardFlags({ 'shard-index-env': 'JOB_COMPLETION_INDEX', shards: '5' }, env), { index: 3, count: 5 });
  assert.throws(() => shardFlags({ 'shard-index-env': 'NOPE', shards: '5' }, env), /NOPE .*not set/);
  assert.throws(() => shardFlags({ 'shard-index-env': 'JOB_COMPLETION_INDEX' }, env), /go together/);
  assert.throws(() => shardFlags({ shard: '0/2', shards: '2' }, env), /not both/);
  assert.is(shardFlags({}, env), undefined);
});

test('seeds drawn from a run id are the same in every shard, and differ between runs', () => {
  const a = seedsFromId('run-a');
  const b = seedsFromId('run-a');
  const c = seedsFromId('run-b');
  const xs = [a(), a(), a()];
  assert.equal(xs, [b(), b(), b()]);
  assert.not.equal(xs, [c(), c(), c()]);
  for (const x of xs) assert.ok(Number.isInteger(x) && x >= 0 && x < 2 ** 31);
});

/** A model, 13 samples and a config of 5 batches with a seeded and an unseeded method. */
async function fixture(): Promise<{ dir: string; config: string }> {
  await initBackend();
  const dir = tempDir();
  const net = smallConvNet({ classes: 3, activation: 'relu' });
  const model = await saveLayersModel(net, join(dir, 'model'));
  net.dispose();
  const x = writeNpy(join(dir, 'x.npy'), seeded(13 * 8 * 8 * 3, 5), [13, 8, 8, 3]);
  const config = join(dir, 'run.json');
  writeFileSync(
    config,
    JSON.stringify({
      runsDir: 'runs',
      model: { plugin: 'layers-model', options: { path: model } },
      dataset: { plugin: 'npy', options: { x }, batchSize: 3 },
      methods: [{ plugin: 'vanilla-gradient' }, { plugin: 'smoothgrad', options: { samples: 2, seed: 7 } }],
    }),
  );
  return { dir, config };
}

/** Every file under `dir`, relative, with its bytes (temporary files of atomic writes excluded). */
function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!name.endsWith('.tmp')) out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

function runProcess(args: string[]): Promise<{ code: number; stderr: string }> {
  const [cmd, pre] = binCommand();
  return new Promise((resolve) => {
    const child = spawn(cmd, [...pre, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

test('three shards as parallel processes into one directory write the batches of a one-process run, byte for byte', async () => {
  const { dir, config } = await fixture();
  const one = cliProcess(['run', '--config', config, '--id', 'one', '--workers', '1']);
  assert.is(one.code, 0, one.stderr);
  const shards = await Promise.all(
    [0, 1, 2].map((i) =>
      runProcess(['run', '--config', config, '--id', 'sharded', '--shard', `${i}/3`, '--workers', '1'])
    ),
  );
  for (const s of shards) assert.is(s.code, 0, s.stderr);

  const store = new RunStore(join(dir, 'runs'));
  const m = store.readManifestFile('sharded');
  assert.is(m.status, 'complete');
  assert.equal(m.shards, { count: 3 });
  assert.equal(m.batches.map((b) => b.index), [0, 1, 2, 3, 4]);
  assert.is(m.batches.reduce((n, b) => n + b.size, 0), 13);
  assert.equal(m.methods.map((x) => x.options), store.read('one').methods.map((x) => x.options));
  const expected = files(join(dir, 'runs', 'one', 'batches'));
  const got = files(join(dir, 'runs', 'sharded', 'batches'));
  assert.equal([...got.keys()].sort(), [...expected.keys()].sort());
  for (const [name, bytes] of expected) assert.ok(bytes.equals(got.get(name)!), `${name} differs`);
  assert.equal(store.readShards('sharded').map((r) => [r.index, r.start, r.end, r.status]), [
    [0, 0, 1, 'complete'],
    [1, 1, 3, 'complete'],
    [2, 3, 5, 'complete'],
  ]);
});

test('a run fills in shard by shard; gradlens merge names the shard missing; rerunning it completes the run', async () => {
  const { dir, config } = await fixture();
  const store = new RunStore(join(dir, 'runs'));
  const shard = (i: number) => cli('run', '--config', config, '--id', 'r', '--shard', `${i}/3`, '--workers', '1');
  let r = await shard(2);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /shard 2\/3: batches 3 to 4; run incomplete, 2\/5 batches/);
  assert.equal(store.read('r').batches.map((b) => b.index), [3, 4]);
  r = await shard(0);
  assert.is(r.code, 0, r.stderr);
  assert.equal(store.read('r').batches.map((b) => b.index), [0, 3, 4]);
  assert.is(store.list()[0].batches, 3);

  const merge = await cli('merge', '--run', 'r', '--runs', join(dir, 'runs'));
  assert.is(merge.code, 1);
  assert.match(merge.stdout, /incomplete, 3\/5 batches; shards not complete: 1 of 3/);
  assert.is(store.readManifestFile('r').status, 'running');

  r = await shard(1);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /run complete, 5\/5 batches \(this shard merged the manifest\)/);
  assert.is(store.readManifestFile('r').status, 'complete');
  const again = await cli('merge', '--run', 'r', '--runs', join(dir, 'runs'));
  assert.is(again.code, 0, again.stdout);
  assert.ok(existsSync(join(dir, 'runs', 'r', 'batches', '00004', 'maps', 'smoothgrad.npy')));
});

test('shards refuse a run without an id, and a count that differs from the run', async () => {
  const { config } = await fixture();
  let r = await cli('run', '--config', config, '--shard', '0/2');
  assert.is(r.code, 2);
  assert.match(r.stderr, /must share its id: give --id/);
  r = await cli('run', '--config', config, '--id', 'x', '--shard', '0/2', '--workers', '1');
  assert.is(r.code, 0, r.stderr);
  r = await cli('run', '--config', config, '--id', 'x', '--shard', '0/3', '--workers', '1');
  assert.is(r.code, 2);
  assert.match(r.stderr, /exists and is 2 shards; every shard must give the same count/);
});

test.run();
