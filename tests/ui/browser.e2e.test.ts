/**
 * End-to-end: headless Chromium (the system's, never a downloaded one) against a live
 * dashboard over runs made here. Node only; without Chromium the suite is skipped loudly,
 * except under CI where that is a failure.
 */
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RunStore } from '../../core/runs/store.ts';
import { tf } from '../../core/tensor/tf.ts';
import { saveLayersModel } from '../helpers/fixtures.ts';
import { ensureBuilt } from '../../ui/build.ts';
import { type Dashboard, startDashboard } from '../../ui/server/dashboard.ts';
import { runAttributions } from '../../core/runs/runner.ts';
import { builtinRegistry } from '../../ui/testing/model-run.ts';
import { writeSyntheticRun } from '../../ui/testing/synthetic.ts';
import { fixture } from './fixture.ts';
import { CHROMIUM_ARGS, CHROMIUM_CANDIDATES, findChromium } from '../../ui/testing/chromium.ts';

const test = suite('ui browser');
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const executablePath = findChromium();

const isDeno = 'Deno' in globalThis;
const bar = '!'.repeat(72);
if (isDeno) {
  console.log('ui browser: skipped on Deno (playwright under Deno is unreliable); these tests run on Node');
  test.skip('browser tests run on Node only', () => {});
} else if (!executablePath) {
  if (process.env.CI) {
    test('Chromium is available under CI', () => {
      assert.unreachable(
        `no Chromium found at ${CHROMIUM_CANDIDATES.join(', ')}; CI must run the browser tests`,
      );
    });
  } else {
    console.log(`\n${bar}\n  BROWSER TESTS SKIPPED: no Chromium at ${CHROMIUM_CANDIDATES.join(', ')}`);
    console.log(`  (set GRADLENS_CHROMIUM=/path/to/chromium; with CI set this is a failure)\n${bar}\n`);
    test.skip('browser tests need Chromium', () => {});
  }
} else {
  defineBrowserTests(executablePath);
}

function defineBrowserTests(executablePath: string) {
  // deno-lint-ignore no-explicit-any
  let browser: any;
  // deno-lint-ignore no-explicit-any
  let page: any;
  let dashboard: Dashboard;
  let dir: string;
  const problems: string[] = [];
  const requested: string[] = [];

  test.before(async () => {
    const f = await fixture();
    dir = f.dir;
    writeSyntheticRun(new RunStore(f.store.root), {
      id: 'big',
      sampleShape: [28, 28, 1],
      batchSize: 64,
      batches: 1,
      methods: ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({ id, signed: i % 2 === 1 })),
    });
    // The shortcut example's two models over its first 8 marked images (issue 5's comparison).
    for (const [id, model] of [['shortcut-cheating', 'shortcut/model'], ['shortcut-clean', 'fashion-mnist/model']]) {
      await runAttributions({
        id,
        runsDir: f.store.root,
        model: { plugin: 'layers-model', options: { path: join(EXAMPLES, model, 'model.json') } },
        dataset: {
          plugin: 'npy',
          options: { x: join(EXAMPLES, 'shortcut/data/marked-x.npy'), y: join(EXAMPLES, 'shortcut/data/marked-y.npy') },
          batchSize: 4,
          limit: 8,
        },
        methods: [{ plugin: 'vanilla-gradient' }, { plugin: 'gradient-x-input' }],
        backend: 'cpu',
      }, { registry: builtinRegistry(), baseDir: EXAMPLES });
    }
    await ensureBuilt();
    // The examples' folder is allowed besides the project: some runs read models and data there.
    dashboard = await startDashboard({
      runsDir: f.store.root,
      port: 0,
      registry: builtinRegistry(),
      baseDir: dir,
      allow: [dir, EXAMPLES],
    });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m: { type(): string; text(): string }) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e: Error) => problems.push(`page error: ${e.message}`));
    page.on('request', (r: { url(): string }) => requested.push(new URL(r.url()).pathname));
  });

  test.after(async () => {
    await browser?.close();
    await dashboard?.close();
  });

  /** Distinct RGBA values per canvas of the selector. */
  const colours = (selector: string): Promise<number[]> =>
    page.$$eval(selector, (canvases: HTMLCanvasElement[]) =>
      canvases.map((c) => {
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const seen = new Set<number>();
        for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
        return seen.size;
      }));
  const drawn = async (count: number) => {
    await page.waitForFunction((n: number) => Number(document.getElementById('grid')?.dataset.drawn ?? 0) >= n, count);
  };

  test('the grid shows samples x (methods + 1) non-blank cells', async () => {
    await page.goto(`${dashboard.url}?run=tiny`);
    await drawn(1);
    assert.is(await page.locator('canvas.cell').count(), 4 * 3);
    assert.is(await page.locator('.grid-row:not(.head)').count(), 4);
    const counts = await colours('canvas.cell');
    assert.ok(counts.every((n) => n > 4), `colours per cell: ${counts}`);
    assert.match(await page.locator('#conventions').textContent(), /pre-softmax/);
    assert.match(await page.locator('#conventions').textContent(), /signed-grad\s*signed\s*no\s*sum/);
  });

  test('switching the colour map repaints the maps', async () => {
    const before = await page.$eval('canvas.cell.map', (c: HTMLCanvasElement) => c.toDataURL());
    await page.selectOption('#cmap', 'viridis');
    await drawn(2);
    const after = await page.$eval('canvas.cell.map', (c: HTMLCanvasElement) => c.toDataURL());
    assert.not.equal(after, before);
  });

  test('arrow keys move between batches', async () => {
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.getElementById('batch-label')?.textContent === 'batch 2 / 3');
    await page.waitForFunction(() => document.querySelector('.sample-id')?.textContent?.startsWith('#0 4'));
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => document.getElementById('batch-label')?.textContent === 'batch 1 / 3');
  });

  test('a cell opens a large view with the value under the cursor and agreement', async () => {
    await page.locator('canvas.cell.map').nth(1).click();
    await page.waitForSelector('#large-view');
    await page.locator('canvas.large').hover({ position: { x: 100, y: 100 } });
    assert.match(await page.locator('#hover-value').textContent(), /\(x \d+, y \d+\): -?[\d.e-]+/);
    assert.is(await page.locator('#agreement tbody tr').count(), 2);
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('#export-png')]);
    assert.match(png.suggestedFilename(), /^tiny-b0-signed-grad-0\.png$/);
    const [npy] = await Promise.all([page.waitForEvent('download'), page.click('#export-npy')]);
    assert.match(npy.suggestedFilename(), /\.npy$/);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#large-view', { state: 'detached' });
    const [grid] = await Promise.all([page.waitForEvent('download'), page.click('#export-grid')]);
    assert.match(grid.suggestedFilename(), /^tiny-batch0\.png$/);
  });

  test('series [T, F] samples show a line with a heat strip under it', async () => {
    await page.goto(`${dashboard.url}?run=series`);
    await drawn(1);
    assert.is(await page.locator('canvas.cell').count(), 5 * 3);
    const counts = await colours('canvas.cell.map');
    assert.ok(counts.every((n) => n > 4), `colours per cell: ${counts}`);
  });

  // How fast it draws is measured by `npm run bench:ui` (bench/ui.ts), not asserted here.
  test('64 samples x 5 methods at 28x28 draw, sort and filter', async () => {
    await page.goto(`${dashboard.url}?run=big`);
    await drawn(1);
    assert.is(await page.locator('canvas.cell').count(), 64 * 6);
    const ms = Number(await page.$eval('#grid', (g: HTMLElement) => g.dataset.drawMs));
    assert.ok(Number.isFinite(ms) && ms > 0, `the grid records its drawing time for the bench: ${ms}`);
    await page.selectOption('#sort', 'disagreement');
    await drawn(2);
    await page.selectOption('#filter', 'wrong');
    await drawn(3);
    const rows = Number(await page.$eval('#grid', (g: HTMLElement) => g.dataset.rows));
    assert.ok(rows > 0 && rows < 64, `wrong-only rows: ${rows}`);
  });

  test('two runs over the same samples side by side, linked by ?run=a&compare=b', async () => {
    await page.goto(`${dashboard.url}?run=shortcut-cheating&compare=shortcut-clean`);
    await drawn(1);
    assert.is(await page.locator('canvas.cell').count(), 4 * (2 + 2 + 1));
    const counts = await colours('canvas.cell.map');
    assert.ok(counts.every((n) => n > 4), `colours per cell: ${counts}`);
    const heads = await page.locator('.col-head[data-run]').allTextContents();
    assert.is(heads.length, 4);
    assert.match(heads[0], /vanilla-gradient.*shortcut-cheating · layers-model shortcut\/model/);
    assert.match(heads[3], /gradient-x-input.*shortcut-clean · layers-model fashion-mnist\/model/);
    // every row gives each run's prediction and probability
    assert.is(await page.locator('.grid-row:not(.head) .run-pred').count(), 4 * 2);
    const pred = await page.locator('.run-pred').nth(1).textContent();
    assert.match(pred, /^pred .+ [\d.]+/, pred);
    assert.match(
      await page.locator('.run-pred').nth(1).getAttribute('title'),
      /^run shortcut-clean, model layers-model/,
    );
    assert.is(await page.locator('#conventions .run-conventions').count(), 2);
    assert.match(page.url(), /run=shortcut-cheating&compare=shortcut-clean/);
    // agreement spans every shown column
    await page.locator('canvas.cell.map').nth(0).click();
    await page.waitForSelector('#large-view');
    assert.is(await page.locator('#agreement tbody tr').count(), 4);
    assert.match(await page.locator('#agreement tbody th').nth(3).textContent(), /^shortcut-clean:gradient-x-input$/);
    await page.keyboard.press('Escape');
    await page.selectOption('#sort', 'disagreement');
    await page.selectOption('#filter', 'differ');
    await page.waitForFunction(() => (document.getElementById('sort') as HTMLSelectElement).value === 'disagreement');
    await page.selectOption('#filter', 'all');
    await page.selectOption('#sort', 'index');
    // a third run whose samples do not match is refused with the reason
    await page.selectOption('#compare-picker', 'series');
    await page.waitForSelector('#compare-notes');
    assert.match(await page.locator('#compare-notes').textContent(), /'series' has samples of shape \[20, 3\]/);
    assert.match(page.url(), /compare=shortcut-clean%2Cseries|compare=shortcut-clean,series/);
    assert.is(await page.locator('canvas.cell').count(), 4 * 5);
    await page.click('.compare-chip[data-run=shortcut-clean] .remove');
    await page.click('.compare-chip[data-run=series] .remove');
    await page.waitForSelector('#compare-notes', { state: 'detached' });
    await page.waitForFunction(() => document.querySelectorAll('canvas.cell').length === 4 * 3);
    assert.not.match(page.url(), /compare=/);
  });

  test('a run started from the page computes and fills the grid', async () => {
    await page.goto(dashboard.url);
    await page.click('#new-run');
    await page.waitForFunction(() => document.querySelectorAll('#form-model option').length > 0);
    await page.selectOption('#form-model', 'layers-model');
    await page.fill('#model-path', join(dir, 'model.json'));
    await page.selectOption('#form-dataset', 'npy');
    await page.fill('#dataset-x', join(dir, 'x.npy'));
    await page.fill('#dataset-y', join(dir, 'y.npy'));
    await page.fill('#form-batch-size', '4');
    await page.fill('#form-count', '3');
    await page.fill('#form-id', 'from-browser');
    await page.click('#form-submit');
    await page.waitForFunction(() =>
      (document.getElementById('run-picker') as HTMLSelectElement)?.value === 'from-browser'
    );
    await page.waitForFunction(() => document.getElementById('batch-label')?.textContent === 'batch 1 / 3', null, {
      timeout: 20000,
    });
    await page.waitForSelector('#progress', { state: 'detached', timeout: 20000 });
    await drawn(1);
    const methods = dashboard.store.read('from-browser').methods.length;
    assert.is(dashboard.store.read('from-browser').status, 'complete');
    assert.is(await page.locator('canvas.cell').count(), 4 * (methods + 1));
    assert.is(await page.locator('#job-error').count(), 0);
    // progress came by server-sent events
    assert.ok(requested.includes('/api/runs/from-browser/events'), 'the page followed the run by its event stream');
    assert.ok(requested.some((p) => /^\/api\/jobs\/job-\d+\/events$/.test(p)), 'and its job by the job stream');
  });

  test("the form lists a model's heads and runs on the one chosen by name, with abs/channel choices", async () => {
    await page.click('#new-run');
    await page.waitForFunction(() => document.querySelectorAll('#form-model option').length > 0);
    await page.selectOption('#form-model', 'layers-model');
    await page.fill('#model-path', join(EXAMPLES, 'multi-head/model/model.json'));
    assert.is(await page.getAttribute('#form-output', 'placeholder'), 'default: first output');
    await page.click('#form-list-outputs');
    await page.waitForSelector('.head-choice[data-head=body_part]', { timeout: 20000 });
    assert.equal(await page.locator('.head-choice').allTextContents(), [
      '0: class_logits',
      '1: body_part',
      '2: class_probs',
    ]);
    await page.click('.head-choice[data-head=body_part]');
    assert.is(await page.inputValue('#form-output'), 'body_part');
    await page.selectOption('#form-dataset', 'npy');
    await page.fill('#dataset-x', join(EXAMPLES, 'fashion-mnist/data/sample-x.npy'));
    await page.fill('#dataset-y', join(EXAMPLES, 'multi-head/data/sample-part.npy'));
    await page.fill('#form-batch-size', '4');
    await page.fill('#form-count', '1');
    await page.fill('#form-id', 'multi-head-body');
    await page.selectOption('#conv-vanilla-gradient-abs', 'no');
    await page.selectOption('#conv-vanilla-gradient-reduce', 'l2');
    await page.click('#form-submit');
    await page.waitForFunction(() => document.getElementById('batch-label')?.textContent === 'batch 1 / 1', null, {
      timeout: 20000,
    });
    await page.waitForSelector('#progress', { state: 'detached', timeout: 20000 });
    const m = dashboard.store.read('multi-head-body');
    assert.is(m.status, 'complete');
    assert.is(m.model.output.name, 'body_part');
    assert.equal(m.methods[0].conventions, { abs: false, reduce: 'l2' });
    assert.match(await page.locator('#conventions').textContent(), /'body_part' \(#1\)/);
  });

  test('the form greys out methods the model cannot serve, and composes SmoothGrad over IG', async () => {
    const net = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [8, 8, 1] }), tf.layers.dense({ units: 3 })],
    });
    const dense = await saveLayersModel(net, join(dir, 'dense'));
    net.dispose();
    await page.goto(dashboard.url);
    await page.click('#new-run');
    await page.waitForFunction(() => document.querySelectorAll('#form-model option').length > 0);
    // The form starts from the run on screen; this test starts from a blank one.
    await page.waitForSelector('#form-from');
    await page.selectOption('#form-from', '');
    await page.selectOption('#form-model', 'layers-model');
    await page.fill('#model-path', dense);
    await page.waitForSelector('.method-choice.unfit[data-method=grad-cam]', { timeout: 20000 });
    assert.ok(await page.isDisabled('.method-choice[data-method=grad-cam] input.form-method'));
    assert.match(
      await page.locator('.method-choice[data-method=grad-cam] .unfit-reason').textContent(),
      /grad-cam needs a layer with a spatial \[H, W, C\] output, but no layer has a spatial/,
    );
    assert.is(await page.locator('.method-choice.unfit[data-method=occlusion]').count(), 0, 'forward-only fits');
    await page.fill('#model-path', join(dir, 'model.json'));
    await page.waitForSelector('.method-choice.unfit', { state: 'detached', timeout: 20000 });
    await page.check('.method-choice[data-method=smoothgrad] input.form-method');
    await page.uncheck('.method-choice[data-method=vanilla-gradient] input.form-method');
    await page.selectOption('#method-smoothgrad-base', 'integrated-gradients');
    await page.fill('#method-smoothgrad-base-steps', '4');
    await page.fill('#method-smoothgrad-samples', '2');
    await page.selectOption('#form-dataset', 'npy');
    await page.fill('#dataset-x', join(dir, 'x.npy'));
    await page.fill('#dataset-y', join(dir, 'y.npy'));
    await page.fill('#form-batch-size', '4');
    await page.fill('#form-count', '1');
    await page.fill('#form-id', 'sg-over-ig');
    await page.click('#form-submit');
    await page.waitForFunction(() => document.getElementById('batch-label')?.textContent === 'batch 1 / 1', null, {
      timeout: 20000,
    });
    await page.waitForSelector('#progress', { state: 'detached', timeout: 20000 });
    const m = dashboard.store.read('sg-over-ig');
    assert.is(m.status, 'complete');
    assert.equal(m.methods.map((x) => x.id), ['smoothgrad']);
    const options = m.methods[0].options as {
      samples: number;
      seed: number;
      base: { plugin: string; options: { steps: number } };
    };
    assert.is(options.samples, 2);
    assert.type(options.seed, 'number', 'the drawn seed is recorded');
    assert.is(options.base.plugin, 'integrated-gradients');
    assert.is(options.base.options.steps, 4);
    assert.equal(m.methods[0].cost, { forward: 2 * 6, backward: 2 * 4 });
  });

  test('no console errors along the way', () => {
    assert.equal(problems, []);
  });
}

test.run();
