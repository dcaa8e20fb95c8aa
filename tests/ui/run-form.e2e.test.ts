/**
 * The run form in headless Chromium against a live dashboard: it offers what the workspace holds
 * (earlier runs, run configs, files through the server-side picker), starts from the run on
 * screen, reports a path that is gone within a second, fits its dialog at 1024 and 1440 px, and a run
 * started from it with workspace choices only completes. Node only, like the other browser tests.
 */
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runAttributions } from '../../core/runs/runner.ts';
import { ensureBuilt } from '../../ui/build.ts';
import { type Dashboard, startDashboard } from '../../ui/server/dashboard.ts';
import { CHROMIUM_ARGS, findChromium } from '../../ui/testing/chromium.ts';
import { builtinRegistry, tinyConfig, writeTinyProject } from '../../ui/testing/model-run.ts';
import { isReadOnly, pickFile } from './pick.ts';
import { tf } from '../../core/tensor/tf.ts';
import { saveLayersModel } from '../helpers/fixtures.ts';

const test = suite('ui run form');
const executablePath = findChromium();

if ('Deno' in globalThis || !executablePath) {
  console.log('ui run form: browser tests run on Node with Chromium (see browser.e2e.test.ts)');
  test.skip('run form browser tests run on Node with Chromium', () => {});
} else {
  defineTests(executablePath);
}

function defineTests(executablePath: string) {
  // deno-lint-ignore no-explicit-any
  let browser: any;
  // deno-lint-ignore no-explicit-any
  let page: any;
  let dashboard: Dashboard;
  let project: string;
  const problems: string[] = [];

  test.before(async () => {
    project = realpathSync(mkdtempSync(join(tmpdir(), 'gradlens-form-')));
    await writeTinyProject(project);
    await runAttributions(tinyConfig('base', 'runs'), { registry: builtinRegistry(), baseDir: project });
    mkdirSync(join(project, 'configs'));
    const { id: _, runsDir: _r, ...config } = tinyConfig('x', 'runs');
    // A config in a sub-folder: its relative paths resolve against it.
    writeFileSync(
      join(project, 'configs', 'tiny.json'),
      JSON.stringify({
        ...config,
        model: { ...config.model, options: { ...config.model.options, path: '../model.json' } },
        dataset: { ...config.dataset, options: { x: '../x.npy', y: '../y.npy' } },
        methods: [{ plugin: 'gradient-x-input' }],
      }),
    );
    // A config whose model is no longer there: paths arrive from configs, so they are checked.
    writeFileSync(
      join(project, 'configs', 'gone.json'),
      JSON.stringify({
        ...config,
        model: { ...config.model, options: { ...config.model.options, path: '../nowhere/model.json' } },
        dataset: { ...config.dataset, options: { x: '../x.npy' } },
      }),
    );
    // A model without weights: nothing for model-randomisation to randomise.
    const flat = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [8, 8, 1] }), tf.layers.softmax()] });
    await saveLayersModel(flat, join(project, 'flat'));
    flat.dispose();
    await ensureBuilt();
    dashboard = await startDashboard({
      runsDir: join(project, 'runs'),
      port: 0,
      registry: builtinRegistry(),
      baseDir: project,
    });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    page.on('pageerror', (e: Error) => problems.push(`page error: ${e.message}`));
  });

  test.after(async () => {
    await browser?.close();
    await dashboard?.close();
  });

  const openForm = async (query = '') => {
    await page.goto(`${dashboard.url}${query}`);
    await page.click('#new-run');
    await page.waitForFunction(() => document.querySelectorAll('#form-model option').length > 0);
  };

  test('the form starts from the run on screen, with its real paths', async () => {
    await openForm('?run=base');
    await page.waitForFunction(() => (document.getElementById('form-from') as HTMLSelectElement)?.value === 'run:base');
    assert.is(await page.inputValue('#form-model'), 'layers-model');
    assert.is(await page.inputValue('#model-path'), join(project, 'model.json'));
    assert.is(await page.inputValue('#form-dataset'), 'npy');
    assert.is(await page.inputValue('#dataset-x'), join(project, 'x.npy'));
    assert.is(await page.inputValue('#form-batch-size'), '4');
    assert.ok(await page.isChecked('.method-choice[data-method=vanilla-gradient] input.form-method'));
    // IG's baseline: a name or a number is typed, a file only picked.
    await page.check('.method-choice[data-method=integrated-gradients] input.form-method');
    const value = '#method-integrated-gradients-baseline-value';
    await page.fill(value, 'blur');
    assert.is(await page.inputValue(value), 'blur');
    await page.fill(value, '/etc/passwd');
    assert.is(await page.inputValue(value), 'blur', 'a typed path is not taken');
    assert.ok(await isReadOnly(page, 'method-integrated-gradients-baseline'));
    await pickFile(page, 'method-integrated-gradients-baseline', join(project, 'x.npy'));
    assert.is(await page.inputValue(value), '');
    // Code is never offered: module-model cannot be chosen, nsfwjs's packageDir is not a field.
    assert.ok(await page.$eval('#form-model option[value=module-model]', (o: HTMLOptionElement) => o.disabled));
    assert.is(problems.length, 0, problems.join('\n'));
  });

  test('a path that is no longer there is reported within a second, before any model loads', async () => {
    await openForm('?run=base');
    await page.waitForFunction(() => (document.getElementById('form-from') as HTMLSelectElement)?.value === 'run:base');
    const started = Date.now();
    await page.selectOption('#form-from', 'config:configs/gone.json');
    await page.waitForSelector('#model-path-error', { timeout: 1000 });
    const shown = Date.now() - started;
    assert.ok(shown < 1000, `shown after ${shown} ms`);
    assert.match(await page.locator('#model-path-error').textContent(), /no such file: nowhere\/model\.json/);
    await page.waitForFunction(
      () => /no such file/.test(document.getElementById('form-output-note')?.textContent ?? ''),
      null,
      { timeout: 1500 },
    );
    // The path cannot be corrected by typing, only by picking another file.
    assert.ok(await isReadOnly(page, 'model-path'));
    await pickFile(page, 'model-path', join(project, 'model.json'));
    await page.waitForSelector('#model-path-error', { state: 'detached', timeout: 1000 });
  });

  for (const width of [1024, 1440]) {
    test(`at ${width} px no control of the form runs past its dialog`, async () => {
      await page.setViewportSize({ width, height: 900 });
      await openForm('?run=base');
      // Every method on, so every convention select and option field is shown.
      for (const box of await page.$$('input.form-method:not([disabled])')) await box.check();
      await page.click('#dataset-x-browse');
      await page.waitForSelector('#dataset-x-picker .file-entry');
      const overflow = await page.$eval('#run-form', (form: HTMLElement) => {
        const right = form.getBoundingClientRect().right;
        const out: string[] = [];
        if (form.scrollWidth > form.clientWidth + 1) {
          out.push(`form scrolls: ${form.scrollWidth} > ${form.clientWidth}`);
        }
        for (const el of form.querySelectorAll('select, input, button, label, fieldset, .file-picker')) {
          const r = el.getBoundingClientRect();
          if (r.width > 0 && r.right > right + 1) {
            out.push(`${el.tagName}#${el.id || el.className} ends at ${r.right} > ${right}`);
          }
        }
        return out;
      });
      assert.equal(overflow, []);
    });
  }

  test('a run waiting behind another shows its place in the queue and cancels from the page', async () => {
    const { runsDir: _, ...slow } = tinyConfig('slow', 'runs', 1);
    const busy = dashboard.jobs.start(
      {
        ...slow,
        id: 'slow',
        runsDir: dashboard.store.root,
        methods: [{ plugin: 'integrated-gradients', options: { steps: 50_000 } }],
      },
    );
    await openForm('?run=base');
    await page.waitForFunction(() => (document.getElementById('form-from') as HTMLSelectElement)?.value === 'run:base');
    await page.fill('#form-id', 'waiting');
    await page.click('#form-submit');
    await page.waitForSelector('#job-status', { timeout: 20000 });
    assert.match(await page.locator('#job-status').textContent(), /Waiting: next in the queue/);
    await page.click('#job-cancel');
    await page.waitForFunction(() => /cancelled/.test(document.getElementById('job-status')?.textContent ?? ''));
    const waiting = dashboard.jobs.list().find((j) => j.runId === 'waiting')!;
    assert.is(waiting.state, 'cancelled');
    dashboard.jobs.cancel(busy.id);
    assert.is((await dashboard.jobs.wait(busy.id)).state, 'cancelled');
  });

  test('a run started from the form with workspace choices only completes', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await openForm();
    await page.selectOption('#form-from', 'config:configs/tiny.json');
    assert.is(await page.inputValue('#model-path'), join(project, 'model.json'));
    // The labels: picked with the server-side picker, which lists the project's files only.
    await page.click('#dataset-y-clear');
    assert.is(await page.inputValue('#dataset-y'), '');
    await page.click('#dataset-y-browse');
    await page.click('#dataset-y-picker .file-entry[data-name="y.npy"]');
    assert.is(await page.inputValue('#dataset-y'), join(project, 'y.npy'));
    assert.is(await page.locator('#dataset-y-picker').count(), 0);
    assert.ok(await page.isChecked('.method-choice[data-method=gradient-x-input] input.form-method'));
    await page.fill('#form-count', '2');
    await page.fill('#form-id', 'from-form');
    await page.click('#form-submit');
    await page.waitForFunction(() =>
      (document.getElementById('run-picker') as HTMLSelectElement)?.value === 'from-form'
    );
    const job = dashboard.jobs.list().find((j) => j.runId === 'from-form')!;
    assert.is((await dashboard.jobs.wait(job.id)).state, 'complete');
    await page.waitForSelector('#progress', { state: 'detached', timeout: 20000 });
    await page.waitForSelector('canvas.cell', { timeout: 20000 });
    const m = dashboard.store.read('from-form');
    assert.is(m.status, 'complete');
    assert.equal(m.methods.map((x) => x.plugin), ['gradient-x-input']);
    assert.is(m.config.dataset.options.y, join(project, 'y.npy'));
    assert.is(m.batches.length, 2);
    assert.is(problems.length, 0, problems.join('\n'));
  });

  test('metrics are chosen in the form, greyed out when the model cannot serve them, and judge the run', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await openForm('?run=base');
    await page.waitForFunction(() => (document.getElementById('form-from') as HTMLSelectElement)?.value === 'run:base');
    const names = await page.$$eval('input.form-metric', (els: HTMLInputElement[]) => els.map((e) => e.value));
    assert.ok(names.includes('sparseness') && names.includes('model-randomisation'), names.join(', '));
    await pickFile(page, 'model-path', join(project, 'flat', 'model.json'));
    await page.waitForSelector('.metric-choice.unfit[data-metric=model-randomisation]', { timeout: 20000 });
    assert.ok(await page.isDisabled('.metric-choice[data-metric=model-randomisation] input.form-metric'));
    assert.match(
      await page.locator('.metric-choice[data-metric=model-randomisation] .unfit-reason').textContent(),
      /model-randomisation needs a model whose weights it can randomise, but the model exposes no weighted layers/,
    );
    assert.ok(!(await page.isDisabled('.metric-choice[data-metric=sparseness] input.form-metric')), 'no needs');
    await pickFile(page, 'model-path', join(project, 'model.json'));
    await page.waitForSelector('.metric-choice.unfit', { state: 'detached', timeout: 20000 });
    await page.check('.metric-choice[data-metric=sparseness] input.form-metric');
    // Its options come from its schema: sparseness judges |map| unless told otherwise.
    assert.ok(await page.isChecked('#metric-sparseness-abs'));
    await page.fill('#form-count', '1');
    await page.fill('#form-id', 'judged');
    await page.click('#form-submit');
    await page.waitForFunction(() => (document.getElementById('run-picker') as HTMLSelectElement)?.value === 'judged');
    const job = dashboard.jobs.list().find((j) => j.runId === 'judged')!;
    assert.is((await dashboard.jobs.wait(job.id)).state, 'complete');
    const m = dashboard.store.read('judged');
    assert.equal(m.config.metrics?.map((x) => x.plugin), ['sparseness']);
    await page.waitForSelector('#metrics-table td[data-metric="sparseness"]', { timeout: 20000 });
    const means: number[] = await page.locator('#metrics-table td[data-metric="sparseness"]').evaluateAll(
      (tds: HTMLElement[]) => tds.map((td) => Number(td.dataset.mean)),
    );
    assert.is(means.length, m.methods.length, 'a value per method');
    for (const mean of means) assert.ok(mean > 0 && mean < 1, `a Gini index in (0, 1): ${mean}`);
    assert.is(problems.length, 0, problems.join('\n'));
  });
}

test.run();
