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
import { builtinRegistry, tinyConfig } from '../../ui/testing/model-run.ts';
import { writeSyntheticRun } from '../../ui/testing/synthetic.ts';
import { fixture } from './fixture.ts';
import { isReadOnly, pickFile } from './pick.ts';
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
    await runAttributions(tinyConfig('tiny-edit', 'runs'), { registry: builtinRegistry(), baseDir: dir });
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
    await page.waitForFunction(() => document.querySelector('.sample-id')?.textContent?.trim() === 'sample 4');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => document.getElementById('batch-label')?.textContent === 'batch 1 / 3');
  });

  test('a cell opens the sample view: input, every map large, top classes, prev/next by keyboard', async () => {
    await page.locator('canvas.cell.map').nth(1).click();
    await page.waitForSelector('#sample-view');
    assert.match(page.url(), /[?&]sample=0&method=1(&|$)/);
    // the input, the clicked method over it, and both methods' maps, each with its colour bar
    assert.is(await page.locator('#sample-panels figure').count(), 4);
    assert.is(await page.locator('#sample-panels .colorbar').count(), 3);
    assert.equal(await page.locator('#sample-panels figcaption b').allTextContents(), [
      'input',
      'overlay',
      'vanilla-gradient',
      'signed-grad',
    ]);
    assert.match(await page.locator('#sample-title').textContent(), /^sample 0 · run tiny · batch 1 · row 1$/);
    assert.match(await page.locator('#sample-label').textContent(), /^(cat|dog|fox)$/);
    assert.is(await page.locator('#top-classes tbody tr').count(), 3, 'top-5 of a 3-class model: 3 rows');
    const probs: number[] = (await page.locator('#top-classes .prob').allTextContents()).map(Number);
    assert.ok(probs[0] >= probs[1] && probs[1] >= probs[2], `sorted: ${probs}`);
    assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 0.01, `sum to 1: ${probs}`);
    const counts = await colours('#sample-panels canvas.large');
    assert.ok(counts.every((n) => n > 4), `colours per panel: ${counts}`);
    await page.locator('#sample-panels canvas.large').nth(2).hover({ position: { x: 60, y: 60 } });
    assert.match(await page.locator('#sample-panels .hover').nth(2).textContent(), /\(x \d+, y \d+\): -?[\d.e-]+/);
    await page.selectOption('#sample-scale', 'shared');
    await page.waitForFunction(() => /scale=shared/.test(location.search));
    await page.selectOption('#sample-overlay', '0');
    await page.waitForSelector('#panel-overlay');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.getElementById('sample-title')?.textContent?.startsWith('sample 1 '));
    assert.match(page.url(), /[?&]sample=1(&|$)/);
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => document.getElementById('sample-title')?.textContent?.startsWith('sample 0 '));
    assert.is(await page.isDisabled('#sample-prev'), true, 'no sample before the first');
    assert.match(await page.locator('#agreement tbody th').nth(1).textContent(), /^signed-grad$/);
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('#export-png')]);
    assert.match(png.suggestedFilename(), /^tiny-b0-0\.png$/);
    const [npy] = await Promise.all([page.waitForEvent('download'), page.locator('.export-npy').nth(1).click()]);
    assert.match(npy.suggestedFilename(), /^tiny-b0-0-signed-grad\.npy$/);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#sample-view', { state: 'detached' });
    assert.not.match(page.url(), /sample=/);
  });

  test('the maps for another class on demand ("why not this class?")', async () => {
    await page.goto(`${dashboard.url}?run=tiny&sample=2`);
    await page.waitForSelector('#sample-view');
    const before = await page.$$eval(
      '#sample-panels canvas.large',
      (cs: HTMLCanvasElement[]) => cs.map((c) => c.toDataURL()),
    );
    const predicted = await page.locator('#sample-prediction b').textContent();
    const label = await page.locator('#sample-label').textContent();
    // a class that is neither the target (the label here) nor the prediction
    const other = page.locator('#top-classes tbody tr').filter({ hasNotText: predicted }).filter({ hasNotText: label })
      .locator('.explain-class');
    await other.first().click();
    await page.waitForFunction(
      () => /^Maps for class/.test(document.getElementById('explain-note')?.textContent ?? ''),
      null,
      {
        timeout: 30000,
      },
    );
    assert.match(page.url(), /explain=\d/);
    const after = await page.$$eval(
      '#sample-panels canvas.large',
      (cs: HTMLCanvasElement[]) => cs.map((c) => c.toDataURL()),
    );
    assert.is(after[0], before[0], 'the input is the same');
    assert.not.equal(after[2], before[2], 'the signed map explains another class');
    await page.selectOption('#sample-explain', '');
    await page.waitForSelector('#explain-note', { state: 'detached' });
  });

  test('a what-if edit shows the new prediction and every fast map beside the original', async () => {
    await page.goto(`${dashboard.url}?run=tiny&sample=1`);
    await page.waitForSelector('#edit-canvas');
    await page.selectOption('#edit-tool', 'rect');
    await page.locator('#edit-canvas').scrollIntoViewIfNeeded();
    const box = await page.locator('#edit-canvas').boundingBox();
    await page.mouse.move(box.x + 2, box.y + 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.6, { steps: 4 });
    await page.mouse.up();
    await page.waitForSelector('#edit-maps', { timeout: 30000 });
    assert.is(await page.locator('#edit-maps .what-if-pair').count(), 2);
    assert.equal(await page.locator('#edit-maps .what-if-pair figcaption .muted').allTextContents(), [
      'original',
      'edited',
      'original',
      'edited',
    ]);
    assert.match(await page.locator('#edit-prediction').textContent(), /^prediction (cat|dog|fox) [\d.]+/);
    assert.is(await page.locator('#edit-top tbody tr').count(), 3);
    const pair = await page.$$eval(
      '#edit-maps .what-if-pair:first-child canvas',
      (cs: HTMLCanvasElement[]) => cs.map((c) => c.toDataURL()),
    );
    assert.not.equal(pair[0], pair[1], 'the edited map differs from the original');
    await page.selectOption('#edit-fill', 'blur');
    await page.waitForFunction(() =>
      /answered in \d+ ms/.test(document.getElementById('edit-state')?.textContent ?? '')
    );
    await page.click('#edit-reset');
    await page.waitForSelector('#edit-maps', { state: 'detached' });
  });

  test('an edited input saved as a new sample of the run opens as its own batch', async () => {
    await page.goto(`${dashboard.url}?run=tiny-edit&batch=2&sample=3`);
    await page.waitForSelector('#edit-canvas');
    await page.locator('#edit-canvas').scrollIntoViewIfNeeded();
    const box = await page.locator('#edit-canvas').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.up();
    await page.waitForSelector('#edit-maps', { timeout: 30000 });
    await page.click('#edit-save');
    await page.waitForFunction(() => document.getElementById('batch-label')?.textContent === 'batch 4 / 4', null, {
      timeout: 30000,
    });
    await page.waitForFunction(() => /-edit-3 /.test(document.getElementById('sample-title')?.textContent ?? ''));
    assert.match(page.url(), /batch=3&sample=0/);
    assert.is(dashboard.store.read('tiny-edit').batches.length, 4);
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
    await page.waitForSelector('#sample-view');
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
    await pickFile(page, 'model-path', join(dir, 'model.json'));
    await page.selectOption('#form-dataset', 'npy');
    await pickFile(page, 'dataset-x', join(dir, 'x.npy'));
    await pickFile(page, 'dataset-y', join(dir, 'y.npy'));
    // Paths are chosen, never typed: the fields refuse keys.
    for (const field of ['model-path', 'dataset-x', 'dataset-y']) assert.ok(await isReadOnly(page, field), field);
    await page.focus('#dataset-x');
    await page.keyboard.type('/etc/passwd');
    assert.is(await page.inputValue('#dataset-x'), join(dir, 'x.npy'));
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
    // the picker follows the run: its batches and status, not the '0 batches · running' of the start
    await page.waitForFunction(() =>
      /· 3 batches$/.test(
        (document.querySelector('#run-picker option[value=from-browser]') as HTMLOptionElement)?.textContent ?? '',
      )
    );
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
    await pickFile(page, 'model-path', join(EXAMPLES, 'multi-head/model/model.json'));
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
    await pickFile(page, 'dataset-x', join(EXAMPLES, 'fashion-mnist/data/sample-x.npy'));
    await pickFile(page, 'dataset-y', join(EXAMPLES, 'multi-head/data/sample-part.npy'));
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
    await pickFile(page, 'model-path', dense);
    await page.waitForSelector('.method-choice.unfit[data-method=grad-cam]', { timeout: 20000 });
    assert.ok(await page.isDisabled('.method-choice[data-method=grad-cam] input.form-method'));
    assert.match(
      await page.locator('.method-choice[data-method=grad-cam] .unfit-reason').textContent(),
      /grad-cam needs a layer with a spatial \[H, W, C\] output, but no layer has a spatial/,
    );
    assert.is(await page.locator('.method-choice.unfit[data-method=occlusion]').count(), 0, 'forward-only fits');
    await pickFile(page, 'model-path', join(dir, 'model.json'));
    await page.waitForSelector('.method-choice.unfit', { state: 'detached', timeout: 20000 });
    await page.check('.method-choice[data-method=smoothgrad] input.form-method');
    await page.uncheck('.method-choice[data-method=vanilla-gradient] input.form-method');
    await page.selectOption('#method-smoothgrad-base', 'integrated-gradients');
    await page.fill('#method-smoothgrad-base-steps', '4');
    await page.fill('#method-smoothgrad-samples', '2');
    await page.selectOption('#form-dataset', 'npy');
    await pickFile(page, 'dataset-x', join(dir, 'x.npy'));
    await pickFile(page, 'dataset-y', join(dir, 'y.npy'));
    await page.fill('#form-batch-size', '4');
    await page.fill('#form-count', '1');
    await page.fill('#form-id', 'sg-over-ig');
    await page.click('#form-submit');
    // Done when the run picker, which follows the run, shows its one batch (the page may show the
    // run's place before its first batch exists, while the job starts).
    await page.waitForFunction(
      () =>
        /· 1 batch(es)?$/.test(
          (document.querySelector('#run-picker option[value=sg-over-ig]') as HTMLOptionElement)?.textContent ?? '',
        ),
      null,
      { timeout: 60000 },
    );
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

  /**
   * Elements under `root` whose content is cut: text wider than its box (scrollWidth past
   * clientWidth), or a control reaching past the container it sits in.
   */
  const clipped = (root: string): Promise<string[]> =>
    // A string, not a function: the test's compiler would wrap inner functions in a helper the page lacks.
    page.evaluate(`(() => {
      const out = [];
      const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
        (typeof e.className === 'string' && e.className ? '.' + e.className.split(' ')[0] : '');
      for (const e of document.querySelectorAll(${JSON.stringify(`${root}, ${root} *`)})) {
        const style = getComputedStyle(e);
        if (style.display === 'none' || e.closest('svg')) continue;
        const scrolls = ['auto', 'scroll'].includes(style.overflowX);
        if (!scrolls && e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1 && e.tagName !== 'CANVAS') {
          out.push(name(e) + ' text cut: ' + e.scrollWidth + ' > ' + e.clientWidth + ' "' + (e.textContent || '').slice(0, 40) + '"');
        }
        if (['BUTTON', 'SELECT', 'INPUT', 'LABEL'].includes(e.tagName)) {
          const box = e.getBoundingClientRect();
          const parent = e.parentElement.getBoundingClientRect();
          if (box.right > parent.right + 1 || box.left < parent.left - 1) {
            out.push(name(e) + ' overflows ' + name(e.parentElement) + ': ' + box.left + '-' + box.right + ' vs ' + parent.left + '-' + parent.right);
          }
          if (box.right > innerWidth + 1) out.push(name(e) + ' past the window: ' + box.right + ' > ' + innerWidth);
        }
      }
      return out;
    })()`);
  /** How far the grid runs past its box (0 when every column is on screen). */
  const gridOverflow = (): Promise<number> =>
    page.$eval('.grid-wrap', (w: HTMLElement) => w.scrollWidth - w.clientWidth);

  for (const width of [1024, 1440]) {
    test(`at ${width} px the grid fits, uses the free width and cuts no label or control`, async () => {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${dashboard.url}?run=shortcut-cheating`);
      await drawn(1);
      assert.equal(await clipped('.top'), []);
      assert.equal(await clipped('.controls'), []);
      assert.equal(await clipped('#grid'), []);
      assert.is(await gridOverflow(), 0, 'every column on screen');
      const free = await page.$eval('.grid-wrap', (w: HTMLElement) => {
        const grid = w.querySelector('.grid-row.head')!.getBoundingClientRect();
        const last = [...w.querySelectorAll('.grid-row.head > *')].pop()!.getBoundingClientRect();
        return w.getBoundingClientRect().right - Math.max(grid.left, last.right);
      });
      const cell = Number(await page.$eval('#grid', (g: HTMLElement) => g.dataset.cell));
      assert.ok(cell === 168 || free < cell + 12, `cells of ${cell} px leave ${free} px unused`);
    });

    test(`at ${width} px the compare view shows every label, header and column`, async () => {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${dashboard.url}?run=shortcut-cheating&compare=shortcut-clean`);
      await page.waitForFunction(() => document.querySelectorAll('canvas.cell').length === 4 * 5);
      await drawn(1);
      assert.equal(await clipped('#grid'), []);
      assert.equal(await clipped('.top'), []);
      assert.is(await gridOverflow(), 0, "the second run's columns are on screen");
      // the true label and the run names are there in full
      assert.match(await page.locator('.run-pred').first().textContent(), /\(label .+\)$/);
      assert.match(
        await page.locator('.col-run').last().textContent(),
        /^shortcut-clean · layers-model fashion-mnist\/model$/,
      );
    });

    test(`at ${width} px the sample view cuts no label or control`, async () => {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${dashboard.url}?run=shortcut-cheating&compare=shortcut-clean&sample=1&method=2`);
      await page.waitForSelector('#sample-view');
      await page.waitForSelector('#panel-overlay');
      assert.equal(await clipped('#sample-view'), []);
      const over = await page.$eval('#sample-view', (v: HTMLElement) => v.scrollWidth - v.clientWidth);
      assert.is(over, 0, 'no horizontal scrolling in the sample view');
      await page.goto(`${dashboard.url}?run=tiny&sample=1`);
      await page.waitForSelector('#what-if');
      assert.equal(await clipped('#sample-view'), []);
    });
  }

  test('the URL holds the view: a link opens it, back and forward move through it, a reload keeps it', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${dashboard.url}?run=tiny&batch=2&cmap=viridis&norm=column&sort=loss`);
    await page.waitForFunction(() => document.getElementById('batch-label')?.textContent === 'batch 3 / 3');
    await drawn(1);
    assert.is(await page.inputValue('#cmap'), 'viridis');
    assert.is(await page.inputValue('#norm'), 'column');
    assert.is(await page.inputValue('#sort'), 'loss');
    assert.is(await page.inputValue('#run-picker'), 'tiny');
    await page.locator('canvas.cell.input').first().click();
    await page.waitForSelector('#sample-view');
    const first = await page.locator('#sample-title').textContent();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((t: string) => document.getElementById('sample-title')?.textContent !== t, first);
    const second = await page.locator('#sample-title').textContent();
    const url = page.url();
    assert.match(url, /batch=2/);
    assert.match(url, /sample=\d/);
    await page.reload();
    await page.waitForSelector('#sample-view');
    assert.is(await page.locator('#sample-title').textContent(), second, 'a reload shows the same sample');
    assert.is(await page.inputValue('#cmap'), 'viridis');
    await page.goBack();
    await page.waitForFunction((t: string) => document.getElementById('sample-title')?.textContent === t, first);
    await page.goBack();
    await page.waitForSelector('#sample-view', { state: 'detached' });
    assert.not.match(page.url(), /sample=/);
    await page.goForward();
    await page.waitForFunction((t: string) => document.getElementById('sample-title')?.textContent === t, first);
    await page.keyboard.press('Escape');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => document.getElementById('batch-label')?.textContent === 'batch 2 / 3');
    assert.match(page.url(), /batch=1/);
    await page.goBack();
    await page.waitForFunction(() => document.getElementById('batch-label')?.textContent === 'batch 3 / 3');
    await page.selectOption('#run-picker', 'series');
    await drawn(1);
    assert.match(page.url(), /run=series/);
    assert.not.match(page.url(), /batch=/);
    await page.goBack();
    await page.waitForFunction(() => document.getElementById('batch-label')?.textContent === 'batch 3 / 3');
    assert.is(await page.inputValue('#run-picker'), 'tiny');
  });

  test('every control has a name, the grid moves by arrow keys, focus is visible', async () => {
    await page.goto(`${dashboard.url}?run=tiny`);
    await drawn(1);
    const unnamed = () =>
      page.$$eval('button, select, input, canvas[tabindex]', (els: HTMLElement[]) =>
        els.filter((e) => {
          const label = e.getAttribute('aria-label') || e.closest('label')?.textContent?.trim() ||
            (e.id && document.querySelector(`label[for="${e.id}"]`)?.textContent?.trim()) ||
            (e.tagName === 'BUTTON' && e.textContent?.trim()) || e.getAttribute('title');
          return !label;
        }).map((e) => e.outerHTML.slice(0, 80)));
    assert.equal(await unnamed(), []);
    await page.locator('canvas.cell.input').first().focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(
      await page.evaluate(
        () => [document.activeElement?.getAttribute('data-row'), document.activeElement?.getAttribute('data-method')],
      ),
      ['0', '0'],
    );
    await page.keyboard.press('ArrowDown');
    assert.equal(
      await page.evaluate(
        () => [document.activeElement?.getAttribute('data-row'), document.activeElement?.getAttribute('data-method')],
      ),
      ['1', '0'],
    );
    assert.is(
      await page.locator('#batch-label').textContent(),
      'batch 1 / 3',
      'arrows in the grid move the focus, not the batch',
    );
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    assert.is.not(outline, 'none', 'the focused cell is outlined');
    assert.is(await page.locator('canvas.cell[tabindex="0"]').count(), 1, 'one cell in the tab order');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#sample-view');
    assert.match(await page.locator('#sample-title').textContent(), /^sample 1 /);
    assert.is(await page.evaluate(() => document.activeElement?.id), 'sample-view', 'focus moves into the sample view');
    assert.equal(await unnamed(), []);
    await page.keyboard.press('Escape');
  });

  test('the exported grid PNG stands alone: title, colour bars with ranges, conventions', async () => {
    await page.goto(`${dashboard.url}?run=tiny&norm=column`);
    await drawn(1);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-grid')]);
    assert.match(download.suggestedFilename(), /^tiny-batch0\.png$/);
    const { PNG } = await import('pngjs');
    const { readFileSync } = await import('node:fs');
    const png = PNG.sync.read(readFileSync(await download.path()));
    // 190 px of sample facts, then input and 2 methods at >= 96 px each
    assert.ok(png.width >= 190 + 3 * 104, `width ${png.width}`);
    // a colour bar row: many colours in a thin horizontal band under the headers
    let best = 0;
    for (let y = 30; y < 90; y++) {
      const seen = new Set<number>();
      for (let x = 0; x < png.width; x++) {
        const i = (y * png.width + x) * 4;
        seen.add((png.data[i] << 16) | (png.data[i + 1] << 8) | png.data[i + 2]);
      }
      best = Math.max(best, seen.size);
    }
    assert.ok(best > 100, `a colour bar under the headers (${best} colours in the best row)`);
    // the wrapping of long names never writes past a column
    const lines = await page.evaluate(() => {
      const { wrapText } = (globalThis as any).__gradlensExport ?? {};
      if (!wrapText) return null;
      const ctx = document.createElement('canvas').getContext('2d')!;
      ctx.font = '12px sans-serif';
      return wrapText(ctx, 'integrated-gradients-with-a-long-name', 96).map((l: string) => ctx.measureText(l).width);
    });
    assert.ok(lines && lines.length > 1 && lines.every((w: number) => w <= 96), `wrapped widths: ${lines}`);
  });

  test("the run picker follows a run being written, not its first '0 batches · running'", async () => {
    const full = writeSyntheticRun(dashboard.store, {
      id: 'growing',
      sampleShape: [8, 8, 1],
      batchSize: 2,
      batches: 2,
      methods: [{ id: 'a', signed: false }],
      status: 'running',
    });
    dashboard.store.write({ ...full, batches: full.batches.slice(0, 1) });
    await page.goto(`${dashboard.url}?run=growing`);
    await drawn(1);
    const option = () =>
      page.evaluate(() =>
        (document.querySelector('#run-picker option[value=growing]') as HTMLOptionElement)?.textContent ?? ''
      );
    assert.match(await option(), /· 1 batch · running$/);
    dashboard.store.write({ ...full, updatedAt: new Date().toISOString() });
    await page.waitForFunction(() => document.getElementById('batch-label')?.textContent === 'batch 1 / 2');
    await page.waitForFunction(() =>
      /· 2 batches · running$/.test(document.querySelector('#run-picker option[value=growing]')?.textContent ?? '')
    );
    dashboard.store.write({ ...full, status: 'complete', updatedAt: new Date().toISOString() });
    await page.waitForFunction(() =>
      /· 2 batches$/.test(document.querySelector('#run-picker option[value=growing]')?.textContent ?? '')
    );
  });

  test('no console errors along the way', () => {
    assert.equal(problems, []);
  });
}

test.run();
