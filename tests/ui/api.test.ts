import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Buffer } from 'node:buffer';
import { PNG } from 'pngjs';
import { parseNpy } from '../../core/io/npy.ts';
import type { RunStore } from '../../core/runs/store.ts';
import { createApp } from '../../ui/server/app.ts';
import { builtinRegistry } from '../../ui/testing/model-run.ts';
import { fixture } from './fixture.ts';

const test = suite('ui api');
let store: RunStore;
let app: ReturnType<typeof createApp>;

test.before(async () => {
  ({ store } = await fixture());
  app = createApp(store, { registry: builtinRegistry() });
});

async function json(path: string, status = 200): Promise<any> {
  const res = await app.request(path);
  const body = await res.json();
  assert.is(res.status, status, `${path}: ${JSON.stringify(body)}`);
  return body;
}

function decode(bytes: ArrayBuffer): PNG {
  return PNG.sync.read(Buffer.from(bytes));
}

test('lists runs and serves manifests and batch records', async () => {
  const list = await json('/api/runs');
  assert.equal(list.runs.map((r: { id: string }) => r.id).sort(), ['series', 'tiny']);
  const manifest = await json('/api/runs/tiny');
  assert.is(manifest.status, 'complete');
  assert.equal(manifest.methods.map((m: { id: string }) => m.id), ['vanilla-gradient', 'signed-grad']);
  const batches = await json('/api/runs/tiny/batches');
  assert.is(batches.batches.length, 3);
  assert.is(batches.plannedBatches, 3);
});

test("one batch's samples: ids, labels, class names, predictions, probabilities", async () => {
  const b = await json('/api/runs/tiny/batches/1');
  assert.is(b.size, 4);
  assert.equal(b.ids, store.readIds('tiny', 1));
  assert.equal(b.labels, [1, 2, 0, 1]);
  assert.equal(b.targets, b.labels);
  assert.equal(b.classNames, ['cat', 'dog', 'fox']);
  assert.is(b.probabilities.length, 4);
  for (const row of b.probabilities) assert.ok(Math.abs(row.reduce((a: number, v: number) => a + v, 0) - 1) < 1e-4);
  for (const [i, p] of b.predictions.entries()) {
    assert.is(p, b.probabilities[i].indexOf(Math.max(...b.probabilities[i])));
  }
  const series = await json('/api/runs/series/batches/0');
  assert.is(series.stats.a.score.length, 5);
});

test('a map as raw float32 equals the stored array, and as .npy', async () => {
  const res = await app.request('/api/runs/tiny/batches/0/maps/signed-grad');
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'application/octet-stream');
  assert.is(res.headers.get('x-shape'), '4,8,8');
  const got = new Float32Array(await res.arrayBuffer());
  assert.equal(Array.from(got), Array.from(store.readMap('tiny', 0, 'signed-grad').data as Float32Array));
  assert.ok(got.some((v) => v < 0), 'the signed map keeps its sign');
  const one = await app.request('/api/runs/tiny/batches/0/maps/signed-grad?sample=2');
  assert.is(one.headers.get('x-shape'), '8,8');
  assert.equal(Array.from(new Float32Array(await one.arrayBuffer())), Array.from(got.subarray(128, 192)));
  const npy = await app.request('/api/runs/tiny/batches/0/maps/signed-grad?format=npy');
  const parsed = parseNpy(new Uint8Array(await npy.arrayBuffer()));
  assert.equal(parsed.shape, [4, 8, 8]);
  assert.equal(Array.from(parsed.data as Float32Array), Array.from(got));
});

test('a map as PNG: right size, not blank, changes with the colour map and normalisation', async () => {
  const get = async (q: string) => {
    const res = await app.request(`/api/runs/tiny/batches/0/maps/vanilla-gradient?format=png&sample=0${q}`);
    assert.is(res.status, 200, q);
    assert.is(res.headers.get('content-type'), 'image/png');
    return decode(await res.arrayBuffer());
  };
  const hot = await get('');
  assert.is(hot.width, 8);
  assert.is(hot.height, 8);
  const colours = new Set<number>();
  for (let i = 0; i < hot.data.length; i += 4) colours.add(hot.data.readUInt32BE(i));
  assert.ok(colours.size > 5, `expected many colours, got ${colours.size}`);
  for (const q of ['&cmap=viridis', '&norm=column', '&clip=50', '&overlay=1&opacity=0.5']) {
    assert.not.equal(Array.from((await get(q)).data), Array.from(hot.data), q);
  }
  const signed = await app.request('/api/runs/tiny/batches/0/maps/signed-grad?format=png&sample=0');
  assert.is(signed.status, 200);
  const series = await app.request('/api/runs/series/batches/0/maps/b?format=png&sample=4&cmap=grey');
  const strip = decode(await series.arrayBuffer());
  assert.equal([strip.width, strip.height], [20, 3]);
});

test('the input as PNG and as float32', async () => {
  const res = await app.request('/api/runs/tiny/batches/2/inputs?format=png&sample=3');
  assert.is(res.headers.get('content-type'), 'image/png');
  const png = decode(await res.arrayBuffer());
  assert.equal([png.width, png.height], [8, 8]);
  const raw = await app.request('/api/runs/tiny/batches/2/inputs');
  assert.is(raw.headers.get('x-shape'), '4,8,8,1');
  assert.is((await raw.arrayBuffer()).byteLength, 4 * 64 * 4);
});

test('plugins come with JSON schemas of their options', async () => {
  const p = await json('/api/plugins');
  const layers = p.models.find((m: { name: string }) => m.name === 'layers-model');
  assert.ok(layers.schema.properties.path, JSON.stringify(layers.schema));
  assert.ok(p.attributions.some((a: { name: string; signed: boolean }) => a.name === 'vanilla-gradient' && a.signed));
});

const BAD: [path: string, status: number, message: RegExp][] = [
  ['/api/runs/..', 404, /no such page/],
  ['/api/runs/%2e%2e/batches', 404, /no such page/], // the URL parser resolves %2e%2e
  ['/api/runs/..%2F..%2Fetc', 400, /run id/],
  ['/api/runs/%2Fetc%2Fpasswd', 400, /run id/],
  ['/api/runs/tiny%2F..%2F..', 400, /run id/],
  ['/api/runs/.hidden', 400, /run id/],
  ['/api/runs/nope', 404, /no run 'nope'/],
  ['/api/runs/tiny/batches/-1', 400, /batch must be/],
  ['/api/runs/tiny/batches/1e3', 400, /batch must be/],
  ['/api/runs/tiny/batches/abc/maps/vanilla-gradient', 400, /batch must be/],
  ['/api/runs/tiny/batches/9', 404, /no batch 9/],
  ['/api/runs/tiny/batches/0/maps/..%2F..%2Fmanifest', 400, /map address/],
  ['/api/runs/tiny/batches/0/maps/nope', 404, /no method 'nope'/],
  ['/api/runs/tiny/batches/0/maps/vanilla-gradient?format=gif', 400, /format/],
  ['/api/runs/tiny/batches/0/maps/vanilla-gradient?format=png', 400, /sample=/],
  ['/api/runs/tiny/batches/0/maps/vanilla-gradient?format=png&sample=4', 400, /out of range; the batch has 4/],
  ['/api/runs/tiny/batches/0/maps/vanilla-gradient?format=png&sample=0&cmap=jet', 400, /cmap/],
  ['/api/runs/tiny/batches/0/maps/vanilla-gradient?format=png&sample=0&clip=200', 400, /clip must be/],
  ['/api/runs/tiny/batches/0/maps/vanilla-gradient?format=png&sample=0&opacity=x', 400, /opacity/],
  ['/api/runs/tiny/batches/0/maps/vanilla-gradient?path=/etc/passwd', 400, /path/],
  ['/api/runs/tiny/batches/0/inputs?sample=-2', 400, /sample must be/],
  ['/api/runs/tiny/batches/0/maps/', 404, /no such page/],
  ['/api/jobs/xyz', 400, /job id/],
  ['/api/jobs/job-99', 404, /no job/],
  ['/runs/tiny/manifest.json', 404, /no such page/],
  ['/ui/server/app.ts', 404, /no such page/],
];

test('bad parameters are answered 400/404 with a message, never 500', async () => {
  for (const [path, status, message] of BAD) {
    const res = await app.request(path);
    const body = await res.json();
    assert.is(res.status, status, `${path}: ${JSON.stringify(body)}`);
    assert.match(body.error, message, path);
  }
});

test('no API response answers with a directory listing or a 500', async () => {
  for (const path of ['/api', '/api/', '/api/runs/tiny/batches/0/maps', '/api/runs/tiny/batches/0/stats']) {
    const res = await app.request(path);
    assert.is(res.status, 404, path);
  }
});

test('responses carry nosniff and the right content types', async () => {
  const res = await app.request('/api/runs');
  assert.is(res.headers.get('x-content-type-options'), 'nosniff');
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
});

test.run();
