/**
 * The README's pictures of the dashboard, taken with the system's Chromium over real runs: the
 * shortcut example's cheating model (issue 5) on its first 8 marked images. Writes
 * docs/sample-view.png (the sample view) and docs/what-if.png (the mark erased by a what-if edit,
 * the prediction and maps beside the original's). Usage: `npx tsx bench/screenshots.ts`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { runAttributions } from '../core/runs/runner.ts';
import { ensureBuilt } from '../ui/build.ts';
import { startDashboard } from '../ui/server/dashboard.ts';
import { CHROMIUM_ARGS, findChromium } from '../ui/testing/chromium.ts';
import { builtinRegistry } from '../ui/testing/model-run.ts';

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));
const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
const chromiumPath = findChromium();
if (!chromiumPath) {
  console.error('no Chromium found (set GRADLENS_CHROMIUM)');
  process.exit(1);
}

const runs = join(mkdtempSync(join(tmpdir(), 'gradlens-shots-')), 'runs');
await runAttributions({
  id: 'shortcut-cheating',
  runsDir: runs,
  model: { plugin: 'layers-model', options: { path: join(EXAMPLES, 'shortcut/model/model.json') } },
  dataset: {
    plugin: 'npy',
    options: { x: join(EXAMPLES, 'shortcut/data/marked-x.npy'), y: join(EXAMPLES, 'shortcut/data/marked-y.npy') },
    batchSize: 8,
    limit: 8,
  },
  methods: [{ plugin: 'vanilla-gradient' }, { plugin: 'gradient-x-input' }, {
    plugin: 'integrated-gradients',
    options: { steps: 16 },
  }],
  backend: 'cpu',
}, { registry: builtinRegistry(), baseDir: EXAMPLES });
await ensureBuilt((t) => process.stderr.write(t));
const dashboard = await startDashboard({ runsDir: runs, port: 0, log: (t) => process.stderr.write(t) });
const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.goto(`${dashboard.url}?run=shortcut-cheating&sample=1&method=0`);
  await page.waitForSelector('#sample-view');
  // The sample view starts the run's engine; wait for it, so the edit below is timed warm.
  await page.waitForResponse((r: { url(): string }) => r.url().includes('/whatif'), { timeout: 60000 });
  await page.waitForTimeout(300);
  await page.locator('#sample-view').screenshot({ path: join(DOCS, 'sample-view.png') });
  // Erase the top rows, where the class-encoding mark is: the cheating model loses its cue.
  await page.selectOption('#edit-tool', 'rect');
  await page.locator('#edit-canvas').scrollIntoViewIfNeeded();
  const box = (await page.locator('#edit-canvas').boundingBox())!;
  const px = box.width / 28;
  await page.mouse.move(box.x + 1, box.y + 1);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width - 1, box.y + 3.5 * px, { steps: 5 });
  await page.mouse.up();
  await page.waitForSelector('#edit-maps', { timeout: 60000 }).catch(async (error: Error) => {
    throw new Error(`${error.message}\nedit: ${await page.locator('#edit-state').textContent()}`);
  });
  await page.waitForTimeout(300);
  await page.locator('#what-if').screenshot({ path: join(DOCS, 'what-if.png') });
  console.log(`wrote ${join(DOCS, 'sample-view.png')} and ${join(DOCS, 'what-if.png')}`);
  console.log(await page.locator('#edit-prediction').textContent());
} finally {
  await browser.close();
  await dashboard.close();
}
process.exit(0);
