/**
 * Dashboard benchmarks (measured, not asserted), on synthetic runs written with RunStore:
 *  1. navigation to a fully drawn grid of 64 samples x 5 methods, at 28x28 and 224x224,
 *     in headless Chromium (median of repeats; also the grid's own paint time);
 *  2. map requests per second from 50 concurrent clients on loopback (raw float32 and PNG).
 * Usage: `npm run bench:ui` (tsx bench/ui.ts). Results also go to bench/results/ui.json.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { RunStore } from '../core/runs/store.ts';
import { ensureBuilt } from '../ui/build.ts';
import { startDashboard } from '../ui/server/dashboard.ts';
import { writeSyntheticRun } from '../ui/testing/synthetic.ts';
import { CHROMIUM_ARGS, findChromium } from '../ui/testing/chromium.ts';

const CHROMIUM = findChromium() ?? '/usr/bin/chromium';
const METHODS = ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({ id, signed: i % 2 === 1 }));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

const root = mkdtempSync(join(tmpdir(), 'gradlens-bench-ui-'));
const store = new RunStore(join(root, 'runs'));
const t0 = Date.now();
writeSyntheticRun(store, { id: 'b28', sampleShape: [28, 28, 1], batchSize: 64, batches: 1, methods: METHODS });
writeSyntheticRun(store, { id: 'b224', sampleShape: [224, 224, 3], batchSize: 64, batches: 1, methods: METHODS });
process.stderr.write(`synthetic runs written in ${Date.now() - t0} ms (${root})\n`);

await ensureBuilt((t) => process.stderr.write(t));
const dashboard = await startDashboard({ runsDir: store.root, port: 0, log: (t) => process.stderr.write(t) });
const results: Record<string, unknown> = { runtime: `node ${process.versions.node}` };
try {
  if (existsSync(CHROMIUM)) {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    for (const run of ['b28', 'b224']) {
      const nav: number[] = [];
      const paint: number[] = [];
      for (let i = 0; i < 4; i++) {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        await page.goto(`${dashboard.url}?run=${run}`);
        await page.waitForFunction(() => document.getElementById('grid')?.dataset.drawn === '1', null, {
          timeout: 60000,
        });
        const [at, ms] = await page.evaluate(() => [
          (globalThis as { __gridDrawnAt?: number }).__gridDrawnAt ?? NaN,
          Number(document.getElementById('grid')!.dataset.drawMs),
        ]);
        await page.close();
        if (i === 0) continue; // warm-up (first load compiles the bundle)
        nav.push(at);
        paint.push(ms);
      }
      results[`grid_${run}`] = { navigationToDrawnMs: median(nav), paintMs: median(paint), samples: nav };
      console.log(
        `grid 64 x 5 at ${run.slice(1)}x${run.slice(1)}: navigation -> drawn ${median(nav).toFixed(0)} ms ` +
          `(paint ${median(paint).toFixed(0)} ms; median of ${nav.length})`,
      );
    }
    await browser.close();
  } else {
    console.log(`grid timings skipped: no Chromium at ${CHROMIUM} (set GRADLENS_CHROMIUM)`);
  }

  for (const [label, query] of [['raw float32', ''], ['PNG', '?format=png&sample=SAMPLE']] as const) {
    const clients = 50;
    const total = 2000;
    let next = 0;
    const latencies: number[] = [];
    const start = performance.now();
    await Promise.all(Array.from({ length: clients }, async () => {
      while (next < total) {
        const i = next++;
        const method = METHODS[i % METHODS.length].id;
        const url = `${dashboard.url}api/runs/b28/batches/0/maps/${method}${query.replace('SAMPLE', String(i % 64))}`;
        const t = performance.now();
        const res = await fetch(url);
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${url}: ${res.status}`);
        latencies.push(performance.now() - t);
      }
    }));
    const seconds = (performance.now() - start) / 1000;
    const r = {
      requests: total,
      clients,
      perSecond: total / seconds,
      p50Ms: pct(latencies, 0.5),
      p99Ms: pct(latencies, 0.99),
    };
    results[`maps_${label.replace(/\W+/g, '_')}`] = r;
    console.log(
      `map requests (${label}, 28x28, ${clients} clients, ${total} requests): ${r.perSecond.toFixed(0)} req/s, ` +
        `p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms`,
    );
  }
} finally {
  await dashboard.close();
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/ui.json', JSON.stringify(results, null, 2) + '\n');
process.exit(0);
