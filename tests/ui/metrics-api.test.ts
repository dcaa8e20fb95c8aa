import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseNpy } from '../../core/io/npy.ts';
import { toFloat32 } from '../../core/io/npy.ts';
import { runAttributions } from '../../core/runs/runner.ts';
import { RunStore } from '../../core/runs/store.ts';
import { createApp } from '../../ui/server/app.ts';
import { builtinRegistry, tinyConfig, writeTinyProject } from '../../ui/testing/model-run.ts';

const test = suite('ui api: metrics');
let store: RunStore;
let app: ReturnType<typeof createApp>;

test.before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-ui-metrics-'));
  await writeTinyProject(dir);
  const config = {
    ...tinyConfig('judged', 'runs'),
    metrics: [
      { plugin: 'deletion-auc', options: { steps: 8 } },
      { plugin: 'model-randomisation', options: { seed: 1 } },
      { plugin: 'sparseness', methods: ['signed-grad'] },
    ],
  };
  await runAttributions(config, { registry: builtinRegistry(), baseDir: dir });
  store = new RunStore(join(dir, 'runs'));
  app = createApp(store, { registry: builtinRegistry() });
});

async function json(path: string, status = 200): Promise<any> {
  const res = await app.request(path);
  const body = await res.json();
  assert.is(res.status, status, `${path}: ${JSON.stringify(body)}`);
  return body;
}

test('the metrics table: per method the mean and 95% interval over the run, the direction, the best, the failing', async () => {
  const body = await json('/api/runs/judged/metrics');
  assert.equal(body.metrics.map((m: { id: string }) => m.id), ['deletion-auc', 'model-randomisation', 'sparseness']);
  const deletion = body.metrics[0];
  assert.is(deletion.higherIsBetter, false);
  assert.is(deletion.category, 'faithfulness');
  assert.equal(deletion.summary.map((s: { method: string }) => s.method), ['vanilla-gradient', 'signed-grad']);
  // The mean is the mean of the stored values over all 12 samples.
  const all = [0, 1, 2].flatMap((b) =>
    Array.from(toFloat32(store.readMetric('judged', b, 'vanilla-gradient', 'deletion-auc').data))
  );
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const s = deletion.summary[0];
  assert.is(s.n, 12);
  assert.ok(Math.abs(s.mean - mean) < 1e-6);
  assert.ok(s.low < s.mean && s.mean < s.high);
  const lowest = deletion.summary.reduce((a: any, b: any) => (b.mean < a.mean ? b : a)).method;
  assert.is(deletion.best, lowest);
  assert.equal(deletion.failing, []);
  const randomisation = body.metrics[1];
  assert.equal(randomisation.curves.map((c: { name: string }) => c.name), ['spearman', 'ssim']);
  assert.equal(randomisation.arrays, [{ name: 'maps', shape: [2, 8, 8] }]);
  const over = randomisation.summary.filter((x: any) => x.mean > body.sanityThreshold).map((x: any) => x.method);
  assert.equal(randomisation.failing, over);
});

test('per-sample values of a batch, the sort keys of the grid', async () => {
  const body = await json('/api/runs/judged/batches/1/metrics');
  assert.equal(Object.keys(body.values), ['deletion-auc', 'model-randomisation', 'sparseness']);
  assert.equal(Object.keys(body.values.sparseness), ['signed-grad']);
  const stored = Array.from(toFloat32(store.readMetric('judged', 1, 'signed-grad', 'sparseness').data));
  assert.equal(body.values.sparseness['signed-grad'].map((v: number) => Math.fround(v)), stored);
});

test('curves: one sample as float32, a batch as .npy, and the run mean per method', async () => {
  const res = await app.request('/api/runs/judged/batches/0/metrics/deletion-auc/signed-grad/deletion?sample=2');
  assert.is(res.status, 200);
  assert.is(res.headers.get('X-Shape'), '9');
  const one = new Float32Array(await res.arrayBuffer());
  const npy = await app.request('/api/runs/judged/batches/0/metrics/deletion-auc/signed-grad/deletion?format=npy');
  const all = parseNpy(new Uint8Array(await npy.arrayBuffer()));
  assert.equal(all.shape, [4, 9]);
  assert.equal(Array.from(one), Array.from((all.data as Float32Array).subarray(18, 27)));
  const maps = await app.request('/api/runs/judged/batches/0/metrics/model-randomisation/vanilla-gradient/maps');
  assert.is(maps.headers.get('X-Shape'), '4,2,8,8');
  const mean = await json('/api/runs/judged/metrics/deletion-auc/curves');
  const curve = mean.curves[0];
  assert.is(curve.name, 'deletion');
  assert.is(curve.x.length, 9);
  let first = 0;
  for (const b of [0, 1, 2]) {
    const y = toFloat32(store.readCurve('judged', b, 'vanilla-gradient', 'deletion-auc', 'deletion').data);
    for (let i = 0; i < 4; i++) first += y[i * 9];
  }
  assert.ok(Math.abs(curve.methods['vanilla-gradient'][0] - first / 12) < 1e-6);
});

test('unknown metrics, methods, arrays and bad names are 404 or 400, never a file outside the run', async () => {
  await json('/api/runs/judged/metrics/nope/curves', 404);
  await json('/api/runs/judged/batches/0/metrics/sparseness/vanilla-gradient/maps', 404);
  await json('/api/runs/judged/batches/0/metrics/deletion-auc/vanilla-gradient/ids', 404);
  await json('/api/runs/judged/batches/9/metrics', 404);
  const bad = await app.request('/api/runs/judged/batches/0/metrics/deletion-auc/vanilla-gradient/..%2F..%2Fmanifest');
  assert.ok(bad.status === 400 || bad.status === 404, String(bad.status));
  await json('/api/runs/judged/batches/0/metrics/deletion-auc/vanilla-gradient/deletion?format=png', 400);
});

test.run();
