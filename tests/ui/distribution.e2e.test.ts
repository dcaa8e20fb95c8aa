/**
 * End-to-end: the dashboard's view of a spread run in headless Chromium (the system's): a
 * queued run's workers and jobs, and a sharded run's shards. Node only, like the other browser
 * tests; without Chromium the suite is skipped and says so.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RunStore } from '../../core/runs/store.ts';
import { ensureBuilt } from '../../ui/build.ts';
import { type Dashboard, startDashboard } from '../../ui/server/dashboard.ts';
import { CHROMIUM_ARGS, findChromium } from '../../ui/testing/chromium.ts';
import { builtinRegistry } from '../../ui/testing/model-run.ts';
import { writeSyntheticRun } from '../../ui/testing/synthetic.ts';
import { cli } from '../helpers/cli.ts';
import { saveLayersModel, seeded, smallConvNet, tempDir, writeNpy } from '../helpers/fixtures.ts';

const test = suite('ui browser: spread runs');
const executablePath = findChromium();

if ('Deno' in globalThis) {
  test.skip('browser tests run on Node only', () => {});
} else if (!executablePath) {
  test.skip('browser tests need Chromium', () => {});
} else {
  // deno-lint-ignore no-explicit-any
  let browser: any;
  // deno-lint-ignore no-explicit-any
  let page: any;
  let dashboard: Dashboard;
  const problems: string[] = [];

  test.before(async () => {
    const dir = tempDir();
    const store = new RunStore(join(dir, 'runs'));
    // A queued run as its enqueuing process leaves it mid-way: its manifest and queue.json.
    const m = writeSyntheticRun(store, {
      id: 'queued',
      sampleShape: [8, 8, 1],
      batchSize: 4,
      batches: 2,
      methods: [{ id: 'a', signed: false }],
      status: 'running',
    });
    store.write({ ...m, plannedBatches: 4, queue: { name: 'gradlens-queued', batchesPerJob: 1, attempts: 3 } });
    const job = (start: number, state: 'completed' | 'active' | 'retrying' | 'waiting', attempts: number) => ({
      start,
      count: 1,
      state,
      attempts,
    });
    store.writeQueueStatus('queued', {
      format: 'gradlens-queue',
      version: 1,
      queue: 'gradlens-queued',
      url: 'redis://127.0.0.1:6379',
      updatedAt: new Date().toISOString(),
      open: true,
      workers: 3,
      jobs: [job(0, 'completed', 1), job(1, 'completed', 1), job(2, 'retrying', 1), job(3, 'active', 1)],
    });
    // A sharded run with one shard of two done.
    const net = smallConvNet({ classes: 3 });
    const model = await saveLayersModel(net, join(dir, 'model'));
    net.dispose();
    const x = writeNpy(join(dir, 'x.npy'), seeded(8 * 8 * 8 * 3, 3), [8, 8, 8, 3]);
    const config = join(dir, 'run.json');
    writeFileSync(
      config,
      JSON.stringify({
        id: 'sharded',
        model: { plugin: 'layers-model', options: { path: model } },
        dataset: { plugin: 'npy', options: { x }, batchSize: 2 },
        methods: [{ plugin: 'vanilla-gradient' }],
      }),
    );
    const r = await cli('run', '--config', config, '--shard', '1/2', '--workers', '1');
    assert.is(r.code, 0, r.stderr);

    await ensureBuilt();
    dashboard = await startDashboard({ runsDir: store.root, port: 0, registry: builtinRegistry(), baseDir: dir });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e: Error) => problems.push(`page error: ${e.message}`));
  });

  test.after(async () => {
    await browser?.close();
    await dashboard?.close();
  });

  test("a queued run shows the workers attached and each job's state", async () => {
    await page.goto(`${dashboard.url}?run=queued`);
    await page.waitForSelector('#queue-status');
    assert.match(await page.locator('#queue-workers').textContent(), /^3 workers attached$/);
    assert.match(await page.locator('#queue-status').textContent(), /2 completed 1 active 1 retrying/);
    assert.is(await page.locator('#queue-jobs .dist-cell').count(), 4);
    assert.is(await page.locator('#queue-jobs .dist-cell.retrying').count(), 1);
    assert.equal(problems, []);
  });

  test('a sharded run shows its shards, the one done and the one not started', async () => {
    await page.goto(`${dashboard.url}?run=sharded`);
    await page.waitForSelector('#shard-status');
    assert.match(await page.locator('#shard-status').textContent(), /1 of 2 shards started/);
    assert.is(await page.locator('#shard-list .dist-cell.complete').count(), 1);
    assert.is(await page.locator('#shard-list .dist-cell.waiting').count(), 1);
    assert.match(
      await page.locator('#shard-list .dist-cell.complete').getAttribute('title'),
      /batches 2–3, 2 of 2 done/,
    );
    assert.match(await page.locator('#progress').textContent(), /incomplete: 2 \/ 4 batches/);
    assert.equal(problems, []);
  });

  test.run();
}
