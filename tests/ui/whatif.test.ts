/**
 * What-if edits through the HTTP API, against a real run and its real engine process: the
 * stored sample answered again equals the run's own batch, an edit changes the answer, the engine
 * stays loaded across edits, requests cannot name a model, and a saved edit is a new batch.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RunStore } from '../../core/runs/store.ts';
import { toFloat32 } from '../../core/io/npy.ts';
import { createApp } from '../../ui/server/app.ts';
import { BUILTIN_PLUGINS } from '../../ui/server/dashboard.ts';
import { EngineManager } from '../../ui/server/whatif/engine.ts';
import { decodeF32, encodeF32 } from '../../ui/server/whatif/protocol.ts';
import { makeModelRun } from '../../ui/testing/model-run.ts';

const test = suite('ui what-if');
let store: RunStore;
let engines: EngineManager;
let app: ReturnType<typeof createApp>;

test.before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-whatif-'));
  await makeModelRun(dir, 'edits');
  store = new RunStore(join(dir, 'runs'));
  engines = new EngineManager({ runsDir: store.root, pluginModules: [BUILTIN_PLUGINS] });
  app = createApp(store, { engines });
});

test.after(() => engines.close());

async function post(path: string, body: unknown, status = 200): Promise<any> {
  const res = await app.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const out = await res.json();
  assert.is(res.status, status, `${path}: ${JSON.stringify(out).slice(0, 300)}`);
  return out;
}

const stored = (batch: number, file: string) => toFloat32(store.readArray('edits', batch, file).data);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

test("the stored sample answered by the engine equals the run's own batch", async () => {
  const r = await post('/api/runs/edits/whatif', { batch: 1, sample: 2 });
  const probs = stored(1, 'probabilities.npy');
  assert.ok(maxDiff(r.probabilities, probs.subarray(2 * 3, 3 * 3)) < 1e-5, 'probabilities');
  assert.is(r.prediction, stored(1, 'predictions.npy')[2]);
  assert.is(r.target, stored(1, 'targets.npy')[2]);
  for (const method of ['vanilla-gradient', 'signed-grad']) {
    const map = stored(1, `maps/${method}.npy`).subarray(2 * 64, 3 * 64);
    assert.ok(maxDiff(decodeF32(r.maps[method].data), map) < 1e-5, method);
    assert.equal(r.maps[method].shape, [8, 8]);
  }
  assert.equal(r.skipped, []);
});

test('an edit changes the answer, on the same engine process', async () => {
  const [before] = engines.running();
  const x = stored(0, 'inputs.npy').slice(0, 64);
  for (let i = 0; i < 32; i++) x[i] = 0;
  const t0 = performance.now();
  const r = await post('/api/runs/edits/whatif', { batch: 0, sample: 0, input: encodeF32(x) });
  const ms = performance.now() - t0;
  const original = await post('/api/runs/edits/whatif', { batch: 0, sample: 0 });
  assert.ok(maxDiff(r.probabilities, original.probabilities) > 1e-6, 'the edited input is predicted differently');
  assert.ok(maxDiff(decodeF32(r.maps['vanilla-gradient'].data), decodeF32(original.maps['vanilla-gradient'].data)) > 0);
  assert.equal(engines.running(), [before], 'one engine, loaded once');
  assert.ok(ms < 5000, `an edit on a loaded engine took ${ms} ms`);
});

test('maps for another class differ from those of the target', async () => {
  const own = await post('/api/runs/edits/whatif', { batch: 0, sample: 1 });
  const other = (own.target + 1) % 3;
  const r = await post('/api/runs/edits/whatif', { batch: 0, sample: 1, target: other });
  assert.is(r.target, other);
  assert.ok(maxDiff(decodeF32(r.maps['signed-grad'].data), decodeF32(own.maps['signed-grad'].data)) > 1e-6);
  assert.equal(r.probabilities, own.probabilities);
});

test('requests that do not fit are refused with the reason; none can name a model', async () => {
  assert.match((await post('/api/runs/edits/whatif', { batch: 0, sample: 0, target: 3 }, 400)).error, /out of range/);
  assert.match(
    (await post('/api/runs/edits/whatif', { batch: 0, sample: 0, input: encodeF32(new Float32Array(5)) }, 400)).error,
    /has 5 values; a sample of shape \[8, 8, 1\] has 64/,
  );
  assert.match((await post('/api/runs/edits/whatif', { batch: 9, sample: 0 }, 404)).error, /no batch 9/);
  assert.match((await post('/api/runs/edits/whatif', { batch: 0, sample: 7 }, 400)).error, /out of range/);
  const named = await post('/api/runs/edits/whatif', { batch: 0, sample: 0, model: { path: '/etc/passwd' } }, 400);
  assert.match(named.error, /model/);
  assert.is(
    (await post('/api/runs/nope/whatif', { batch: 0, sample: 0 }, 404)).error,
    "no run 'nope' in the runs directory",
  );
  assert.is(
    (await post('/api/runs/..%2F..%2Fetc/whatif', { batch: 0, sample: 0 }, 400)).error.slice(0, 14),
    'invalid run id',
  );
  const foreign = await app.request('/api/runs/edits/edits', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example' },
    body: JSON.stringify({ batch: 0, sample: 0, input: encodeF32(new Float32Array(64)) }),
  });
  assert.is(foreign.status, 403);
  assert.is(store.read('edits').batches.length, 3, 'nothing saved');
});

test('a saved edit is a new batch of the run, computed by every method', async () => {
  const x = stored(2, 'inputs.npy').slice(64, 128);
  for (let i = 0; i < 16; i++) x[i] = 1;
  const answer = await post('/api/runs/edits/whatif', { batch: 2, sample: 1, input: encodeF32(x) });
  const saved = await post('/api/runs/edits/edits', { batch: 2, sample: 1, input: encodeF32(x) });
  assert.is(saved.batch, 3);
  const m = store.read('edits');
  assert.is(m.batches.length, 4);
  assert.is(m.plannedBatches, 4);
  assert.equal(store.readIds('edits', 3), [saved.id]);
  assert.match(saved.id, /-edit-3$/);
  assert.equal(Array.from(stored(3, 'inputs.npy')), Array.from(x));
  assert.ok(maxDiff(stored(3, 'probabilities.npy'), answer.probabilities) < 1e-6);
  assert.ok(maxDiff(stored(3, 'maps/vanilla-gradient.npy'), decodeF32(answer.maps['vanilla-gradient'].data)) < 1e-6);
  assert.equal(Array.from(stored(3, 'labels.npy')), [Array.from(stored(2, 'labels.npy'))[1]]);
});

test('the engine holds no more tensors after many edits than after the first', async () => {
  const x = stored(0, 'inputs.npy').slice(0, 64);
  const ask = (target: number | null, all: boolean) =>
    engines.compute('edits', store.read('edits').createdAt, {
      name: 'leak-check',
      x: encodeF32(x),
      label: 1,
      target,
      all,
      extra: {},
    });
  const first = await ask(null, false);
  for (let i = 0; i < 5; i++) {
    x[i * 3] = i;
    await ask(i % 3, i % 2 === 0);
  }
  const last = await ask(null, true);
  assert.is(last.tensors, first.tensors);
});

test.run();
