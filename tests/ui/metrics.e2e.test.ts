/**
 * End-to-end: the metrics views of the dashboard (table, curves, sanity check, the grid header's
 * marks) in headless Chromium, over a Fashion-MNIST run with metrics. Node only, like the other
 * browser tests; skipped loudly without Chromium.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runAttributions } from '../../core/runs/runner.ts';
import { ensureBuilt } from '../../ui/build.ts';
import { type Dashboard, startDashboard } from '../../ui/server/dashboard.ts';
import { CHROMIUM_ARGS, findChromium } from '../../ui/testing/chromium.ts';
import { builtinRegistry } from '../../ui/testing/model-run.ts';

const test = suite('ui browser: metrics');
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const executablePath = findChromium();

if ('Deno' in globalThis) {
  test.skip('browser tests run on Node only', () => {});
} else if (!executablePath) {
  console.log('\nui browser (metrics): SKIPPED, no Chromium (set GRADLENS_CHROMIUM)\n');
  test.skip('browser tests need Chromium', () => {});
} else {
  defineTests(executablePath);
}

function defineTests(executablePath: string) {
  // deno-lint-ignore no-explicit-any
  let browser: any;
  // deno-lint-ignore no-explicit-any
  let page: any;
  let dashboard: Dashboard;
  const problems: string[] = [];

  test.before(async () => {
    const runs = mkdtempSync(join(tmpdir(), 'gradlens-ui-metrics-'));
    await runAttributions({
      id: 'fm-metrics',
      runsDir: runs,
      model: { plugin: 'layers-model', options: { path: join(EXAMPLES, 'fashion-mnist/model/model.json') } },
      dataset: {
        plugin: 'npy',
        options: {
          x: join(EXAMPLES, 'fashion-mnist/data/sample-x.npy'),
          y: join(EXAMPLES, 'fashion-mnist/data/sample-y.npy'),
        },
        batchSize: 4,
        limit: 8,
      },
      methods: [{ plugin: 'vanilla-gradient' }, { plugin: 'guided-backprop' }],
      metrics: [
        { plugin: 'deletion-auc', options: { steps: 10 } },
        { plugin: 'insertion-auc', options: { steps: 10 } },
        { plugin: 'model-randomisation', options: { seed: 1 } },
      ],
    }, { registry: builtinRegistry(), baseDir: EXAMPLES });
    await ensureBuilt();
    dashboard = await startDashboard({ runsDir: runs, port: 0, registry: builtinRegistry(), baseDir: runs });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (m: { type(): string; text(): string }) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e: Error) => problems.push(`page error: ${e.message}`));
    await page.goto(`${dashboard.url}?run=fm-metrics`);
    await page.waitForSelector('#metrics-table');
  });

  test.after(async () => {
    await browser?.close();
    await dashboard?.close();
  });

  test('the metrics table: methods by metrics, mean and interval, direction, the best per column, the failing', async () => {
    assert.is(await page.locator('#metrics-table tbody tr').count(), 2);
    const heads = await page.locator('#metrics-table thead th[data-metric]').allTextContents();
    assert.equal(heads.length, 3);
    assert.match(heads[0], /deletion-auc.*lower is better/);
    assert.match(heads[1], /insertion-auc.*higher is better/);
    for (const metric of ['deletion-auc', 'insertion-auc', 'model-randomisation']) {
      const cells = page.locator(`#metrics-table td[data-metric="${metric}"]`);
      const means: number[] = await cells.evaluateAll((tds: HTMLElement[]) => tds.map((td) => Number(td.dataset.mean)));
      const best = await page.locator(`#metrics-table td.best[data-metric="${metric}"]`).count();
      assert.is(best, 1, metric);
      const bestMean = Number(
        await page.locator(`#metrics-table td.best[data-metric="${metric}"]`).getAttribute('data-mean'),
      );
      const expected = metric === 'insertion-auc' ? Math.max(...means) : Math.min(...means);
      assert.is(bestMean, expected, metric);
      assert.match(await cells.first().textContent(), /\[[-\d.e]+, [-\d.e]+\]/);
    }
    const failing = page.locator('#metrics-table tr[data-method="guided-backprop"] td.failing');
    assert.is(await failing.count(), 1);
    assert.is(await page.locator('#metrics-table tr[data-method="vanilla-gradient"] td.failing').count(), 0);
  });

  test("the grid's header marks the method that fails the sanity check", async () => {
    await page.waitForSelector('.sanity-flag');
    const flagged = await page.locator('.col-head:has(.sanity-flag)').allTextContents();
    assert.is(flagged.length, 1);
    assert.match(flagged[0], /guided-backprop/);
    assert.match(await page.locator('.sanity-flag').getAttribute('title'), /sanity check: model-randomisation/);
  });

  test("deletion and insertion curves: the run's mean per method and the selected sample, which follows the picker", async () => {
    const chart = page.locator('#curve-deletion-auc-deletion');
    await page.waitForFunction(() =>
      document.querySelectorAll('#curve-deletion-auc-deletion polyline[stroke-dasharray]').length === 2
    );
    assert.is(await chart.locator('polyline').count(), 4);
    assert.is(await page.locator('#curve-insertion-auc-insertion polyline').count(), 4);
    const before = await chart.locator('polyline[stroke-dasharray]').first().getAttribute('points');
    await page.fill('#metrics-sample', '2');
    await page.waitForFunction(
      (old: string) =>
        document.querySelector('#curve-deletion-auc-deletion polyline[stroke-dasharray]')?.getAttribute('points') !==
          old,
      before,
    );
    assert.is(await chart.locator('polyline').count(), 4);
  });

  test('per-sample metric values sort the grid, worst first', async () => {
    const values = await page.evaluate(async () =>
      (await (await fetch('/api/runs/fm-metrics/batches/0/metrics')).json()).values
    );
    await page.selectOption('#sort', 'metric:deletion-auc:vanilla-gradient');
    const deletion: number[] = values['deletion-auc']['vanilla-gradient'];
    const worst = deletion.map((_, i) => i).sort((a, b) => deletion[b] - deletion[a] || a - b);
    await page.waitForFunction(
      (first: number) => document.querySelector('.grid-row:not(.head)')?.getAttribute('data-sample') === String(first),
      worst[0],
    );
    const order = await page.locator('.grid-row:not(.head)').evaluateAll((rows: HTMLElement[]) =>
      rows.map((r) => Number(r.dataset.sample))
    );
    assert.equal(order, worst, 'lower is better: the highest deletion AUC first');
    await page.selectOption('#sort', 'metric:insertion-auc:guided-backprop');
    const insertion: number[] = values['insertion-auc']['guided-backprop'];
    const low = insertion.map((_, i) => i).sort((a, b) => insertion[a] - insertion[b] || a - b);
    await page.waitForFunction(
      (first: number) => document.querySelector('.grid-row:not(.head)')?.getAttribute('data-sample') === String(first),
      low[0],
    );
    await page.selectOption('#sort', 'index');
  });

  test("the sanity check: each method's maps as layers are randomised, the failing one marked, similarity curves", async () => {
    const view = page.locator('#sanity-model-randomisation');
    await page.waitForFunction(() =>
      document.querySelectorAll('#sanity-model-randomisation canvas[data-drawn="1"]').length === 2 * 5
    );
    assert.is(await view.locator('.sanity-row:not(.head)').count(), 2);
    assert.is(await view.locator('.sanity-row.failing').getAttribute('data-method'), 'guided-backprop');
    const colours: number[] = await view.locator('canvas').evaluateAll((cs: HTMLCanvasElement[]) =>
      cs.map((c) => {
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const seen = new Set<number>();
        for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
        return seen.size;
      })
    );
    assert.ok(colours.every((n) => n > 4), `colours per map: ${colours}`);
    assert.is(await page.locator('#sanity-model-randomisation-ssim polyline').count(), 2);
    assert.is(await page.locator('#sanity-model-randomisation-spearman polyline').count(), 2);
    assert.equal(problems, []);
  });
}

test.run();
