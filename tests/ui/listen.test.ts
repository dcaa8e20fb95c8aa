import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isUserError } from '../../core/errors/errors.ts';
import { serveCommand } from '../../ui/commands.ts';
import { ensureBuilt } from '../../ui/build.ts';
import { startDashboard, tokenFor } from '../../ui/server/dashboard.ts';
import { builtinRegistry } from '../../ui/testing/model-run.ts';
import { fixture } from './fixture.ts';

const test = suite('ui listen');

test('serves the page and the API over real HTTP on loopback', async () => {
  const { store } = await fixture();
  await ensureBuilt();
  const d = await startDashboard({ runsDir: store.root, port: 0, registry: builtinRegistry() });
  try {
    assert.match(d.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.is(d.token, undefined);
    const page = await fetch(d.url);
    assert.is(page.status, 200);
    assert.match(await page.text(), /<script type="module" src="\/app.js">/);
    const js = await fetch(new URL('/app.js', d.url));
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    assert.ok((await js.text()).length > 1000);
    const runs = await (await fetch(new URL('/api/runs', d.url))).json();
    assert.ok(runs.runs.some((r: { id: string }) => r.id === 'tiny'));
  } finally {
    await d.close();
  }
});

test('binding beyond loopback generates a token that every API call needs', async () => {
  const { store } = await fixture();
  const d = await startDashboard({ runsDir: store.root, host: '0.0.0.0', port: 0 });
  try {
    assert.match(d.token ?? '', /^[0-9a-f]{48}$/);
    assert.ok(d.url.endsWith(`?token=${d.token}`));
    const base = `http://127.0.0.1:${d.port}`;
    assert.is((await fetch(`${base}/api/runs`)).status, 401);
    assert.is((await fetch(`${base}/api/runs?token=${d.token}`)).status, 200);
  } finally {
    await d.close();
  }
});

test('tokens and flags are checked', async () => {
  assert.is(tokenFor('127.0.0.1'), undefined);
  assert.is(tokenFor('127.0.0.1', 'given-token'), 'given-token');
  assert.throws(() => tokenFor('0.0.0.0', 'short'), /at least 8 characters/);
  const ctx = {
    registry: () => Promise.resolve(builtinRegistry()),
    stdout: () => {},
    stderr: () => {},
    isTTY: false,
    verbose: false,
  };
  for (const [argv, message] of [[['--port', 'http'], /port/], [['--bogus'], /bogus/]] as const) {
    try {
      await serveCommand.run({ ...ctx, argv: [...argv] });
      assert.unreachable();
    } catch (error) {
      assert.match((error as Error).message, message);
      if ((error as Error).message.includes('port')) assert.ok(isUserError(error));
    }
  }
});

test.run();
