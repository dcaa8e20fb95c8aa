/**
 * The server's answers for finished batches: built once, served from memory with validators, and
 * never stale when a run is made again under the same id.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RunStore } from '../../core/runs/store.ts';
import { toFloat32 } from '../../core/io/npy.ts';
import { createApp } from '../../ui/server/app.ts';
import { writeSyntheticRun } from '../../ui/testing/synthetic.ts';

const test = suite('ui serve cache');
const store = new RunStore(join(mkdtempSync(join(tmpdir(), 'gradlens-cache-')), 'runs'));
const app = createApp(store);
const run = (id: string, batchSize: number, status: 'complete' | 'running' = 'complete') =>
  writeSyntheticRun(store, {
    id,
    sampleShape: [6, 6, 1],
    batchSize,
    batches: 1,
    methods: [{ id: 'a', signed: false }],
    status,
  });

test('raw maps carry a validator; a matching If-None-Match gets 304 and no body', async () => {
  run('done', 3);
  const first = await app.request('/api/runs/done/batches/0/maps/a');
  const body = new Float32Array(await first.arrayBuffer());
  assert.equal(Array.from(body), Array.from(toFloat32(store.readMap('done', 0, 'a').data)));
  const etag = first.headers.get('etag')!;
  assert.match(etag, /^"[0-9a-z]+\/0\/maps\/a\/f32\/all"$/);
  assert.is(first.headers.get('cache-control'), 'private, max-age=31536000, immutable');
  const again = await app.request('/api/runs/done/batches/0/maps/a', { headers: { 'If-None-Match': etag } });
  assert.is(again.status, 304);
  assert.is((await again.arrayBuffer()).byteLength, 0);
  const png1 = await app.request('/api/runs/done/batches/0/maps/a?format=png&sample=1');
  const png2 = await app.request('/api/runs/done/batches/0/maps/a?format=png&sample=1&cmap=viridis');
  assert.is.not(png1.headers.get('etag'), png2.headers.get('etag'));
  assert.is.not(png1.headers.get('etag'), etag);
  const json = await app.request('/api/runs/done/batches/0?v=x');
  assert.is(json.status, 200);
  assert.ok(json.headers.get('etag'));
  assert.is(json.headers.get('x-content-type-options'), 'nosniff');
});

test('a run made again under the same id is served anew', async () => {
  run('again', 3);
  const before = await app.request('/api/runs/again/batches/0/maps/a');
  const a = new Float32Array(await before.arrayBuffer());
  rmSync(store.path('again'), { recursive: true });
  // past the moment a finished run's manifest is trusted without a look, and a new creation time
  await new Promise((r) => setTimeout(r, 150));
  run('again', 4);
  const after = await app.request('/api/runs/again/batches/0/maps/a');
  const b = new Float32Array(await after.arrayBuffer());
  assert.equal(Array.from(b), Array.from(toFloat32(store.readMap('again', 0, 'a').data)));
  assert.is(a.length, 3 * 36);
  assert.is(b.length, 4 * 36);
  assert.is.not(before.headers.get('etag'), after.headers.get('etag'));
});

test('batches of a run still being written are revalidated, not kept', async () => {
  run('live', 3, 'running');
  const res = await app.request('/api/runs/live/batches/0/maps/a');
  assert.is(res.headers.get('cache-control'), 'no-cache');
});

test('a batch added to a finished run is served at once', async () => {
  const full = writeSyntheticRun(store, {
    id: 'grown',
    sampleShape: [6, 6, 1],
    batchSize: 2,
    batches: 2,
    methods: [{ id: 'a', signed: false }],
  });
  store.write({ ...full, batches: full.batches.slice(0, 1) });
  assert.is((await app.request('/api/runs/grown/batches/0/maps/a')).status, 200);
  assert.is((await app.request('/api/runs/grown/batches/1/maps/a')).status, 404);
  store.write(full);
  assert.is((await app.request('/api/runs/grown/batches/1/maps/a')).status, 200);
  assert.is((await app.request('/api/runs/grown/batches/1')).status, 200);
});

test.run();
