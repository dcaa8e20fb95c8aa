import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RunStore } from '../../core/runs/store.ts';
import { createApp } from '../../ui/server/app.ts';
import { fixture } from './fixture.ts';

const test = suite('ui safety');
let store: RunStore;
let outside: string;

test.before(async () => {
  const f = await fixture();
  // A copy of the real run, so the symlinks planted here do not disturb other tests.
  const root = mkdtempSync(join(tmpdir(), 'gradlens-safety-'));
  cpSync(f.store.root, join(root, 'runs'), { recursive: true });
  store = new RunStore(join(root, 'runs'));
  outside = join(root, 'outside');
  mkdirSync(outside);
  // A whole run directory that is a symlink to a copy outside the runs directory.
  cpSync(f.store.path('tiny'), join(outside, 'evil'), { recursive: true });
  symlinkSync(join(outside, 'evil'), store.path('evil'));
  // A map file inside a real run that is a symlink to a file outside.
  writeFileSync(join(outside, 'secret.npy'), 'not for you');
  const map = store.mapPath('tiny', 1, 'vanilla-gradient');
  rmSync(map);
  symlinkSync(join(outside, 'secret.npy'), map);
});

test('symlinks leading out of the runs directory are refused', async () => {
  const app = createApp(store);
  for (const path of ['/api/runs/evil', '/api/runs/evil/batches/0', '/api/runs/evil/batches/0/maps/vanilla-gradient']) {
    const res = await app.request(path);
    assert.is(res.status, 404, path);
  }
  const res = await app.request('/api/runs/tiny/batches/1/maps/vanilla-gradient');
  assert.is(res.status, 404);
  assert.not.match(await res.text(), /not for you/);
  assert.is((await app.request('/api/runs/tiny/batches/0/maps/vanilla-gradient')).status, 200);
  const list = await (await app.request('/api/runs')).json();
  const ids = list.runs.map((r: { id: string }) => r.id);
  assert.ok(ids.includes('tiny') && !ids.includes('evil'), ids.join(', '));
  assert.is(ids.filter((id: string) => id === 'tiny').length, 1, 'the copy in evil/ is not listed as tiny');
});

test('without a token only loopback host names are answered', async () => {
  const app = createApp(store);
  assert.is((await app.request('http://127.0.0.1:7860/api/runs')).status, 200);
  assert.is((await app.request('http://localhost:7860/api/runs')).status, 200);
  const res = await app.request('http://attacker.example:7860/api/runs');
  assert.is(res.status, 403);
  assert.match((await res.json()).error, /--token/);
});

test('with a token every API call must carry it', async () => {
  const app = createApp(store, { token: 's3cret-token' });
  const base = 'http://192.168.1.5:7860';
  for (
    const path of ['/api/runs', '/api/runs/tiny', '/api/runs/tiny/batches/0/maps/vanilla-gradient', '/api/plugins']
  ) {
    const res = await app.request(base + path);
    assert.is(res.status, 401, path);
    assert.match((await res.json()).error, /token/);
  }
  assert.is((await app.request(`${base}/api/runs?token=wrong`)).status, 401);
  assert.is((await app.request(`${base}/api/runs?token=s3cret-token`)).status, 200);
  const maps = await app.request(
    `${base}/api/runs/tiny/batches/0/maps/vanilla-gradient?format=png&sample=0&token=s3cret-token`,
  );
  assert.is(maps.status, 200);
  assert.is((await app.request(`${base}/api/runs`, { headers: { Authorization: 'Bearer s3cret-token' } })).status, 200);
  assert.is((await app.request(`${base}/api/runs`, { headers: { 'X-Gradlens-Token': 's3cret-token' } })).status, 200);
  assert.is((await app.request(`${base}/api/runs`, { headers: { 'X-Gradlens-Token': 's3cret-tokenX' } })).status, 401);
});

test('with a token the page needs it too, then a cookie stands for it; with a CSP', async () => {
  const dist = mkdtempSync(join(tmpdir(), 'gradlens-dist-'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>t</title>');
  const app = createApp(store, { token: 'page-token', assetsDir: dist });
  assert.is((await app.request('http://10.0.0.1/')).status, 401);
  const res = await app.request('http://10.0.0.1/?token=page-token');
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  const cookie = res.headers.get('set-cookie') ?? '';
  assert.match(cookie, /^gradlens-token=page-token;/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const jar = { Cookie: cookie.split(';')[0] };
  assert.is((await app.request('http://10.0.0.1/api/runs', { headers: jar })).status, 200);
  assert.is(
    (await app.request('http://10.0.0.1/api/runs', { headers: { Cookie: 'gradlens-token=wrong' } })).status,
    401,
  );
  const missing = await app.request('http://10.0.0.1/app.js', { headers: jar });
  assert.is(missing.status, 503);
  assert.match(await missing.text(), /npm run build:ui/);
  assert.is((await app.request('http://10.0.0.1/index.html/..%2F..%2Fpackage.json', { headers: jar })).status, 404);
});

test.run();
