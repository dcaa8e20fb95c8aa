import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RunStore } from '../../core/runs/store.ts';
import { Workspace } from '../../core/workspace/workspace.ts';
import { tf } from '../../core/tensor/tf.ts';
import { saveLayersModel } from '../helpers/fixtures.ts';
import { createApp } from '../../ui/server/app.ts';
import { JobManager } from '../../ui/server/jobs/jobs.ts';
import { builtinRegistry, tinyConfig, writeTinyProject } from '../../ui/testing/model-run.ts';
import { fixture } from './fixture.ts';

const test = suite('ui jobs');
const PLUGINS = fileURLToPath(new URL('../../plugins/index.ts', import.meta.url));

function post(app: ReturnType<typeof createApp>, body: unknown, type = 'application/json') {
  return app.request('/api/jobs', {
    method: 'POST',
    headers: { 'Content-Type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function request(overrides: Record<string, unknown> = {}) {
  const { runsDir: _, ...config } = tinyConfig('x', 'runs') as unknown as Record<string, unknown>;
  return { ...config, id: undefined, ...overrides };
}

test('run requests are validated before any process starts', async () => {
  const { store, dir } = await fixture();
  const jobs = new JobManager({ baseDir: dir, pluginModules: [PLUGINS] });
  const app = createApp(store, { registry: builtinRegistry(), jobs });
  const cases: [Response, number, RegExp][] = [
    [await post(app, request(), 'text/plain'), 415, /JSON/],
    [await post(app, '{"model":', 'application/json'), 400, /not valid JSON/],
    [await post(app, request({ methods: [] })), 400, /at least one attribution method/],
    [
      await post(app, request({ model: { plugin: 'nope', options: {} } })),
      400,
      /unknown model plugin 'nope'; known: .*layers-model/,
    ],
    [await post(app, request({ model: { plugin: 'layers-model', options: {} } })), 400, /model\.options.*path/],
    [await post(app, request({ plugins: ['./evil.ts'] })), 400, /plugins/],
    [await post(app, request({ runsDir: '/etc' })), 400, /runsDir/],
    [await post(app, request({ id: '../x' })), 400, /id/],
    [await post(app, request({ id: 'tiny' })), 409, /already exists/],
  ];
  for (const [res, status, message] of cases) {
    const body = await res.json();
    assert.is(res.status, status, JSON.stringify(body));
    assert.match(body.error, message);
  }
  assert.equal(jobs.list(), []);
  const bare = createApp(store);
  assert.is((await post(bare, request())).status, 501);
});

// Responsiveness is a property here (the API keeps answering while the run computes, because the
// work is in another process), not a time limit: timings live in `npm run bench:ui`.
test('a run computes in a child process; the API keeps answering meanwhile', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-job-'));
  await writeTinyProject(dir, 480, 16);
  const store = new RunStore(join(dir, 'runs'));
  const jobs = new JobManager({ baseDir: dir, pluginModules: [PLUGINS] });
  const app = createApp(store, { registry: builtinRegistry(), jobs });
  const tensorsBefore = tf.memory().numTensors;
  const res = await post(
    app,
    request({ id: 'from-ui', dataset: { plugin: 'npy', options: { x: 'x.npy', y: 'y.npy' }, batchSize: 16 } }),
  );
  const job = await res.json();
  assert.is(res.status, 202, JSON.stringify(job));
  assert.is(job.runId, 'from-ui');
  let answered = 0;
  let partial = 0;
  let state = 'running';
  while (state === 'running') {
    const manifest = await app.request('/api/runs/from-ui');
    const status = await (await app.request(`/api/jobs/${job.id}`)).json();
    state = status.state;
    if (state === 'running') answered++;
    if (manifest.status === 200) {
      const m = await manifest.json();
      if (m.status === 'running' && m.batches.length > 0 && m.batches.length < 30) partial++;
    }
    await new Promise((r) => setTimeout(r, 15));
  }
  const done = await jobs.wait(job.id);
  assert.is(done.state, 'complete', done.error);
  assert.ok(partial > 0, 'saw the run part-way through (the grid can fill batch by batch)');
  assert.ok(answered >= 2, `the API answered ${answered} polls while the run computed`);
  assert.is(tf.memory().numTensors, tensorsBefore, 'no tensor work in the server process');
  const m = store.read('from-ui');
  assert.is(m.status, 'complete');
  assert.is(m.batches.length, 30);
  assert.is(done.progress?.batchesDone, 30);
});

test("a model's heads are listed by loading it in a child process", async () => {
  const { store, dir } = await fixture();
  const model = fileURLToPath(new URL('../../examples/multi-head/model/model.json', import.meta.url));
  // The example's folder is allowed besides the project: the model is read from there.
  const workspace = new Workspace([dir, dirname(model)]);
  const jobs = new JobManager({ baseDir: dir, pluginModules: [PLUGINS], workspace });
  const app = createApp(store, { registry: builtinRegistry(), jobs });
  const ask = (body: unknown) =>
    app.request('/api/jobs/outputs', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  const [good, missing, unknown] = await Promise.all([
    ask({ plugin: 'layers-model', options: { path: model } }),
    ask({ plugin: 'layers-model', options: { path: 'nowhere/model.json' } }),
    ask({ plugin: 'nope', options: {} }),
  ]);
  const body = await good.json();
  assert.is(good.status, 200, JSON.stringify(body));
  assert.equal(body.outputs.map((o: { name: string }) => o.name), ['class_logits', 'body_part', 'class_probs']);
  assert.equal(body.outputs[1].shape, [4]);
  assert.is(missing.status, 400);
  assert.match((await missing.json()).error, /model\.options\.path: no such file: nowhere\/model\.json/);
  assert.is(unknown.status, 400);
  assert.match((await unknown.json()).error, /unknown model plugin 'nope'/);
  // What the model offers the methods comes with its heads: the form greys out what does not fit.
  assert.equal(body.capabilities.gradients, { ok: true });
  assert.equal(body.capabilities.layer, { ok: true });
  assert.ok(body.capabilities.spatialLayers.length > 0);
});

test('a method the model cannot serve is refused with the reason before any process starts', async () => {
  const { store, dir } = await fixture();
  const net = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [8, 8, 1] }), tf.layers.dense({ units: 3 })] });
  await saveLayersModel(net, join(dir, 'dense'));
  net.dispose();
  const jobs = new JobManager({ baseDir: dir, pluginModules: [PLUGINS] });
  const app = createApp(store, { registry: builtinRegistry(), jobs });
  const dense = { plugin: 'layers-model', options: { path: 'dense/model.json' } };
  const refused = await post(
    app,
    request({ model: dense, methods: [{ plugin: 'vanilla-gradient' }, { plugin: 'grad-cam' }] }),
  );
  assert.is(refused.status, 400);
  assert.match(
    (await refused.json()).error,
    /methods\[1\]: 'grad-cam' cannot explain this model: it needs a layer with a spatial \[H, W, C\] output, but no layer/,
  );
  const wrapped = await post(
    app,
    request({ model: dense, methods: [{ plugin: 'smoothgrad', options: { base: 'grad-cam' } }] }),
  );
  assert.is(wrapped.status, 400, "a wrapped method's needs count too");
  assert.match((await wrapped.json()).error, /'smoothgrad' cannot explain this model: it needs a layer/);
  const badBase = await post(app, request({ methods: [{ plugin: 'vargrad', options: { base: 'rise' } }] }));
  assert.is(badBase.status, 400);
  assert.match((await badBase.json()).error, /'vargrad' wraps methods that need gradients; 'rise' needs forward-only/);
  assert.equal(jobs.list(), []);
  const fits = await post(app, request({ id: 'dense-ok', model: dense, methods: [{ plugin: 'vanilla-gradient' }] }));
  assert.is(fits.status, 202);
  assert.is((await jobs.wait((await fits.json()).id)).state, 'complete');
});

/** Reads a server-sent event stream of the app to its end. */
async function sse(app: ReturnType<typeof createApp>, path: string) {
  return events(await app.request(path));
}

/** Reads a server-sent event stream to its end. */
async function events(res: Response): Promise<{ event: string; data: string }[]> {
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const text = await res.text();
  return text.split('\n\n').filter((block) => /^event:/m.test(block)).map((block) => ({
    event: /^event: ?(.*)$/m.exec(block)![1],
    data: block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.replace(/^data: ?/, '')).join('\n'),
  }));
}

test('progress streams as server-sent events, for the job and for the run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-sse-'));
  await writeTinyProject(dir, 240, 16);
  const store = new RunStore(join(dir, 'runs'));
  const jobs = new JobManager({ baseDir: dir, pluginModules: [PLUGINS] });
  const app = createApp(store, { registry: builtinRegistry(), jobs });
  const dataset = { plugin: 'npy', options: { x: 'x.npy', y: 'y.npy' }, batchSize: 8 };
  // SmoothGrad's passes make the run outlast several of the stream's manifest polls (250 ms), so
  // the stream sees it change; vanilla gradients of this tiny model could finish within one poll.
  const methods = [{ plugin: 'smoothgrad', options: { samples: 24, seed: 1 } }];
  const job = await (await post(app, request({ id: 'streamed', dataset, methods }))).json();
  // The run's stream is opened before its manifest exists, and waits for it.
  const [byJob, byRun] = await Promise.all([
    sse(app, `/api/jobs/${job.id}/events`),
    sse(app, '/api/runs/streamed/events'),
  ]);
  const infos = byJob.filter((e) => e.event === 'job').map((e) => JSON.parse(e.data));
  assert.equal(byJob.at(-1), { event: 'end', data: 'complete' });
  assert.is(infos.at(-1).state, 'complete');
  const done = infos.map((i) => i.progress?.batchesDone ?? 0);
  assert.ok(done.length >= 3 && done.every((d, i) => i === 0 || d >= done[i - 1]), `batches done: ${done}`);
  assert.is(done.at(-1), 30);
  const manifests = byRun.filter((e) => e.event === 'manifest').map((e) => JSON.parse(e.data));
  assert.equal(byRun.at(-1), { event: 'end', data: 'complete' });
  assert.is(manifests.at(-1).status, 'complete');
  assert.is(manifests.at(-1).batches.length, 30);
  assert.ok(manifests.length >= 2, `manifest events: ${manifests.length}`);
  // A finished job's stream answers at once; unknown ones are 404.
  const again = await sse(app, `/api/jobs/${job.id}/events`);
  assert.equal(again.map((e) => e.event), ['job', 'end']);
  assert.is((await app.request('/api/jobs/job-99/events')).status, 404);
  assert.is((await app.request('/api/runs/..%2Fx/events')).status, 400);
});

test('a model that does not load is refused up front; a run that fails later reports the error', async () => {
  const { dir } = await fixture();
  const store = new RunStore(mkdtempSync(join(tmpdir(), 'gradlens-runs-')));
  const jobs = new JobManager({ baseDir: dir, pluginModules: [PLUGINS] });
  const app = createApp(store, { registry: builtinRegistry(), jobs });
  const missing = await post(
    app,
    request({ model: { plugin: 'layers-model', options: { path: 'missing/model.json' } } }),
  );
  assert.is(missing.status, 400);
  assert.match((await missing.json()).error, /model\.options\.path: no such file: missing\/model\.json/);
  assert.equal(jobs.list(), []);
  // A file that exists but is not what it claims fails in the run, with the reason.
  writeFileSync(join(dir, 'not-really.npy'), 'not an array');
  const bad = request({ dataset: { plugin: 'npy', options: { x: 'not-really.npy' }, batchSize: 4 } });
  const job = await (await post(app, bad)).json();
  const done = await jobs.wait(job.id);
  assert.is(done.state, 'failed');
  assert.match(done.error ?? '', /not-really\.npy: not a \.npy file/);
});

test.run();
