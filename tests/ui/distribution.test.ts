import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../core/engine/backend.ts';
import { RunStore } from '../../core/runs/store.ts';
import { createApp } from '../../ui/server/app.ts';
import { runStamp } from '../../ui/server/lib/run-stamp.ts';
import { cli } from '../helpers/cli.ts';
import { saveLayersModel, seeded, smallConvNet, tempDir, writeNpy } from '../helpers/fixtures.ts';

const test = suite('ui distribution of sharded runs');

test('a sharded run fills in: the API shows the shards started, their blocks and progress', async () => {
  await initBackend();
  const dir = tempDir();
  const net = smallConvNet({ classes: 3 });
  const model = await saveLayersModel(net, join(dir, 'model'));
  net.dispose();
  const x = writeNpy(join(dir, 'x.npy'), seeded(10 * 8 * 8 * 3, 2), [10, 8, 8, 3]);
  const config = join(dir, 'run.json');
  writeFileSync(
    config,
    JSON.stringify({
      id: 'spread',
      model: { plugin: 'layers-model', options: { path: model } },
      dataset: { plugin: 'npy', options: { x }, batchSize: 2 },
      methods: [{ plugin: 'vanilla-gradient' }],
    }),
  );
  const r = await cli('run', '--config', config, '--shard', '1/2', '--workers', '1');
  assert.is(r.code, 0, r.stderr);
  const store = new RunStore(join(dir, 'runs'));
  const app = createApp(store);
  const res = await app.request('/api/runs/spread/distribution');
  assert.is(res.status, 200);
  const d = await res.json();
  assert.is(d.shardCount, 2);
  assert.is(d.queue, null);
  assert.equal(
    d.shards.map((s: { index: number; start: number; end: number; done: number; status: string }) => [
      s.index,
      s.start,
      s.end,
      s.done,
      s.status,
    ]),
    [[1, 2, 5, 3, 'complete']],
  );
  const m = await (await app.request('/api/runs/spread')).json();
  assert.is(m.status, 'incomplete');
  assert.equal(m.batches.map((b: { index: number }) => b.index), [2, 3, 4]);

  // The events stream sees shard records change though the manifest file does not.
  const before = runStamp(store, 'spread');
  const again = await cli('run', '--config', config, '--shard', '0/2', '--workers', '1');
  assert.is(again.code, 0, again.stderr);
  assert.is.not(runStamp(store, 'spread'), before);
  const done = await (await app.request('/api/runs/spread')).json();
  assert.is(done.status, 'complete');
  assert.is((await app.request('/api/runs/nope/distribution')).status, 404);
});

test.run();
