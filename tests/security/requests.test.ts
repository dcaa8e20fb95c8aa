/**
 * Attacks through the HTTP API of a real dashboard (listening on a port, runs computed in child
 * processes): code and files named by a request, cross-site writes. Each is refused with the
 * right status and leaks nothing; a legitimate run through the same endpoint completes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Dashboard, startDashboard } from '../../ui/server/dashboard.ts';
import { builtinRegistry, tinyConfig } from '../../ui/testing/model-run.ts';
import { SECRET_VALUE, type World, world } from './world.ts';

const test = suite('security: requests');
let w: World;
let d: Dashboard;
let origin: string;

test.before(async () => {
  w = await world();
  d = await startDashboard({
    runsDir: join(w.project, 'runs'),
    baseDir: w.project,
    port: 0,
    registry: builtinRegistry(),
  });
  origin = new URL(d.url).origin;
});

test.after(async () => {
  await d.close();
});

function run(overrides: Record<string, unknown> = {}) {
  const { runsDir: _, id: _id, ...config } = tinyConfig('x', 'runs') as unknown as Record<string, unknown>;
  return { ...config, ...overrides };
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(new URL(path, d.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: origin, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

/** Nothing of the outside folder comes back: not its path, not its files' contents. */
function assertNoLeak(text: string, what: string) {
  assert.not.ok(text.includes(w.outside), `${what} names the outside folder: ${text}`);
  assert.not.match(text, /root:x:0/, what);
  assert.not.ok(text.includes(String(SECRET_VALUE)), what);
}

const model = (options: Record<string, unknown>, plugin = 'layers-model') => ({ plugin, options });

test('no request names code to load: module-model and nsfwjs packageDir are refused', async () => {
  const attacks = [
    ['/api/jobs', run({ model: model({ module: join(w.outside, 'evil.mjs') }, 'module-model') })],
    ['/api/jobs/outputs', model({ module: join(w.outside, 'evil.mjs') }, 'module-model')],
    ['/api/jobs/outputs', model({ module: '../../evil.mjs' }, 'module-model')],
    ['/api/jobs/outputs', model({ packageDir: join(w.outside, 'nsfwjs') }, 'nsfwjs-mobilenet-v2')],
    ['/api/jobs', run({ model: model({ packageDir: join(w.outside, 'nsfwjs') }, 'nsfwjs-mobilenet-v2') })],
  ] as const;
  for (const [path, body] of attacks) {
    const res = await post(path, body);
    assert.is(res.status, 403, `${path} ${res.text}`);
    assert.match(res.text, /code to load/);
    assertNoLeak(res.text, path);
  }
  assert.not.ok(existsSync(w.mark), 'the evil module was imported');
  assert.equal(d.jobs.list(), []);
});

test('paths outside the workspace are refused alike, whether they exist or not', async () => {
  const outsideDataset = (options: Record<string, unknown>, plugin = 'npy') =>
    run({ dataset: { plugin, options, batchSize: 4 } });
  const ig = (baseline: string) => ({ plugin: 'integrated-gradients', options: { baseline } });
  const attacks: [string, unknown, string][] = [
    ['/api/jobs/outputs', model({ path: join(w.outside, 'passwd') }), 'model.options.path'],
    ['/api/jobs/outputs', model({ path: join(w.outside, 'model.json') }), 'model.options.path'],
    ['/api/jobs/outputs', model({ path: join(w.outside, 'no-such-file.json') }), 'model.options.path'],
    ['/api/jobs/outputs', model({ path: '../../../../../../etc/passwd' }), 'model.options.path'],
    ['/api/jobs/outputs', model({ path: 'linked-dir/model.json' }), 'model.options.path'],
    ['/api/jobs/outputs', model({ path: 'linked-dir/../model.json\0' }), 'model.options.path'],
    ['/api/jobs', outsideDataset({ x: join(w.outside, 'secret.npy') }), 'dataset.options.x'],
    ['/api/jobs', outsideDataset({ x: 'linked.npy' }), 'dataset.options.x'],
    ['/api/jobs', outsideDataset({ x: 'x.npy', y: 'linked-dir/secret.npy' }), 'dataset.options.y'],
    ['/api/jobs', outsideDataset({ x: 'x.npy', extra: { m: '../secret.npy' } }), 'dataset.options.extra.m'],
    ['/api/jobs', outsideDataset({ dir: join(w.outside, 'images') }, 'image-folder'), 'dataset.options.dir'],
    ['/api/jobs', outsideDataset({ dir: '/etc' }, 'idx'), 'dataset.options.dir'],
    ['/api/jobs', run({ methods: [ig(join(w.outside, 'baseline.npy'))] }), 'methods[0].options.baseline'],
    [
      '/api/jobs',
      run({ methods: [{ plugin: 'smoothgrad', options: { base: ig('linked-dir/baseline.npy') } }] }),
      'methods[0].options.base.options.baseline',
    ],
  ];
  const messages = new Set<string>();
  for (const [path, body, where] of attacks) {
    const res = await post(path, body);
    assert.is(res.status, 403, `${where}: ${res.text}`);
    const { error } = JSON.parse(res.text);
    assert.ok(error.startsWith(`${where}: is outside the workspace`), error);
    assertNoLeak(res.text, where);
    messages.add(error.replace(/^[^:]+: /, ''));
  }
  // One message for every refusal: an existing file cannot be told from a missing one.
  assert.is(messages.size, 1, [...messages].join('\n'));
  assert.equal(d.jobs.list(), []);
});

test('writes from another origin are refused whatever the content type; the token check stays', async () => {
  const body = run();
  for (
    const headers of <Record<string, string>[]> [
      { Origin: 'http://evil.example' },
      { Origin: 'null' },
      { Origin: origin.replace('127.0.0.1', 'localhost') },
      { Origin: origin, 'Sec-Fetch-Site': 'cross-site' },
      { Origin: origin, 'Sec-Fetch-Site': 'same-site' },
    ]
  ) {
    for (const type of ['application/json', 'text/plain']) {
      const res = await post('/api/jobs', body, { ...headers, 'Content-Type': type });
      assert.is(res.status, 403, `${JSON.stringify(headers)} ${type}: ${res.text}`);
      assert.match(res.text, /cross-(origin|site) request refused/);
    }
  }
  const del = await fetch(new URL('/api/jobs/job-1', d.url), {
    method: 'DELETE',
    headers: { Origin: 'http://evil.example' },
  });
  assert.is(del.status, 403);
  assert.equal(d.jobs.list(), []);
});

/** A raw request with a Host header of our choosing (fetch would not let a page set it either). */
function rawRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const url = new URL(path, d.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on(
        'end',
        () => resolve({ status: res.statusCode!, text }),
      );
    });
    req.on('error', reject);
    req.end(method === 'POST' ? JSON.stringify(run()) : undefined);
  });
}

test('DNS rebinding: a request naming another host is refused, reads and writes alike', async () => {
  const port = new URL(d.url).port;
  for (const [method, path] of [['GET', '/api/runs'], ['GET', '/'], ['POST', '/api/jobs']]) {
    const evil = await rawRequest(method, path, {
      Host: `rebound.evil.example:${port}`,
      Origin: `http://rebound.evil.example:${port}`,
      'Content-Type': 'application/json',
    });
    assert.is(evil.status, 403, `${method} ${path}: ${evil.text}`);
    assert.match(evil.text, /only answers requests for localhost/);
  }
  assert.is((await rawRequest('GET', '/api/runs', { Host: `127.0.0.1:${port}` })).status, 200);
  assert.equal(d.jobs.list(), []);
});

test('the file picker and path check see the workspace only', async () => {
  const get = async (path: string) => {
    const res = await fetch(new URL(path, d.url));
    return { status: res.status, text: await res.text() };
  };
  const root = await get('/api/workspace/files');
  assert.is(root.status, 200, root.text);
  const names = JSON.parse(root.text).entries.map((e: { name: string }) => e.name);
  assert.ok(names.includes('x.npy') && names.includes('model.json'), names.join());
  assert.not.ok(names.includes('linked.npy') || names.includes('linked-dir'), 'links leading out are not listed');
  assertNoLeak(root.text, 'listing');
  for (const dir of [w.outside, join(w.project, 'linked-dir'), '/', join(w.project, '..')]) {
    const res = await get(`/api/workspace/files?dir=${encodeURIComponent(dir)}`);
    assert.is(res.status, 403, `${dir}: ${res.text}`);
    assertNoLeak(res.text, dir);
  }
  const inside = await get(`/api/workspace/check?path=x.npy`);
  assert.equal(JSON.parse(inside.text), { path: join(w.project, 'x.npy') });
  assert.is((await get(`/api/workspace/check?path=nope.npy`)).status, 404);
  assert.is((await get(`/api/workspace/check?path=x.npy&kind=dir`)).status, 400);
  for (const path of [join(w.outside, 'passwd'), 'linked.npy', join(w.outside, 'missing')]) {
    const res = await get(`/api/workspace/check?path=${encodeURIComponent(path)}`);
    assert.is(res.status, 403, path);
    assertNoLeak(res.text, path);
  }
  const ws = JSON.parse((await get('/api/workspace')).text);
  assert.equal(ws.roots, [w.project]);
  assertNoLeak(JSON.stringify(ws), 'workspace');
});

test('positive control: a run from the same origin, with workspace paths, completes', async () => {
  const res = await post('/api/jobs', run({ id: 'legit' }), { 'Sec-Fetch-Site': 'same-origin' });
  assert.is(res.status, 202, res.text);
  const job = JSON.parse(res.text);
  const done = await d.jobs.wait(job.id);
  assert.is(done.state, 'complete', done.error);
  const manifest = JSON.parse(readFileSync(join(w.project, 'runs', 'legit', 'manifest.json'), 'utf8'));
  assert.is(manifest.status, 'complete');
  // The paths the run recorded are the real ones inside the project.
  assert.is(manifest.config.dataset.options.x, join(w.project, 'x.npy'));
});

test.run();
