/**
 * `npm run bench:queue`: a queued run's throughput with 1, 2 and 4 `gradlens worker` processes
 * (BullMQ on a real redis-server), and the queue's cost per batch against the local loop and the
 * local worker pool, all measured in this one run. Workload: the Fashion-MNIST example model over
 * its 256 sample images, batches of 16, vanilla gradient and SmoothGrad (16 samples). Workers are
 * started and attached before the clock starts, as long-lived workers are; the queued run's time
 * includes planning, enqueueing, following and writing the manifest. Prints a table and writes
 * docs/distributed/bench.md.
 *
 * Options: --workers 1,2,4 (queue worker counts), --samples N (SmoothGrad samples, default 16).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { initBackend } from '../core/engine/backend.ts';
import { runQueued } from '../core/queue/coordinator.ts';
import type { RunConfigInput } from '../core/runs/config.ts';
import { runAttributions } from '../core/runs/runner.ts';
import { RunStore } from '../core/runs/store.ts';
import { setDefaultRegistryModules } from '../core/workers/pool.ts';
import { builtinRegistry } from '../plugins/index.ts';
import { redisMissing, startRedis } from '../tests/helpers/redis.ts';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const counts = (option('workers') ?? '1,2,4').split(',').map(Number);
const samples = Number(option('samples') ?? 16);
const root = new URL('..', import.meta.url).pathname;
const example = join(root, 'examples/fashion-mnist');
const BATCH = 16;
const IMAGES = 256;
const batches = IMAGES / BATCH;

const missing = redisMissing();
if (missing) {
  console.error(`bench:queue needs redis-server: ${missing}`);
  process.exit(2);
}
setDefaultRegistryModules([new URL('../plugins/index.ts', import.meta.url).href]);
await initBackend();
const redis = await startRedis();
const dir = mkdtempSync(join(tmpdir(), 'gradlens-bench-queue-'));
const runsDir = join(dir, 'runs');
const config = (id: string): RunConfigInput => ({
  id,
  runsDir,
  model: { plugin: 'layers-model', options: { path: join(example, 'model/model.json') } },
  dataset: {
    plugin: 'npy',
    options: { x: join(example, 'data/sample-x.npy'), y: join(example, 'data/sample-y.npy') },
    batchSize: BATCH,
    limit: IMAGES,
  },
  methods: [{ plugin: 'vanilla-gradient' }, { plugin: 'smoothgrad', options: { samples, seed: 1 } }],
});

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return (performance.now() - t0) / 1000;
}

/** Starts `n` worker processes and waits until each is ready for runs. */
async function startWorkers(n: number): Promise<ChildProcess[]> {
  const children = Array.from({ length: n }, () =>
    spawn(process.execPath, [
      '--import',
      'tsx',
      join(root, 'bin/gradlens.ts'),
      'worker',
      '--queue',
      redis.url,
      '--runs',
      runsDir,
      '--lock-ms',
      '60000',
    ], { stdio: ['ignore', 'ignore', 'pipe'] }));
  await Promise.all(children.map((c) =>
    new Promise<void>((resolve, reject) => {
      let text = '';
      c.stderr!.on('data', (d) => {
        text += d;
        if (text.includes('waiting for runs')) resolve();
      });
      c.on('exit', (code) => reject(new Error(`worker exited (${code}): ${text}`)));
    })
  ));
  for (const c of children) c.removeAllListeners('exit');
  return children;
}

function stopWorkers(children: ChildProcess[]): Promise<void[]> {
  return Promise.all(children.map((c) =>
    new Promise<void>((resolve) => {
      if (c.exitCode !== null) return resolve();
      c.on('exit', () => resolve());
      c.kill('SIGTERM');
    })
  ));
}

interface QueueRow {
  how: string;
  seconds: number;
  batchesPerSecond: number;
  imagesPerSecond: number;
  /** Milliseconds between batches once the run is going: (last batch's end - first's) / (batches - 1). */
  steadyMs: number;
}
const rows: QueueRow[] = [];
const store = new RunStore(runsDir);
/** Steady-state milliseconds per batch of a finished run, from its manifest's batch end times. */
function steadyMs(id: string): number {
  const ends = store.read(id).batches.map((b) => Date.parse(b.finishedAt)).sort((a, b) => a - b);
  return (ends[ends.length - 1] - ends[0]) / (ends.length - 1);
}
const row = (how: string, id: string, seconds: number) =>
  rows.push({
    how,
    seconds,
    batchesPerSecond: batches / seconds,
    imagesPerSecond: IMAGES / seconds,
    steadyMs: steadyMs(id),
  });

const registry = builtinRegistry();
try {
  // Warm-up: the first run in this process pays for tfjs's and the engine's first calls.
  await runAttributions(config('warm'), { registry, workers: 1 });
  const local = await timed(() => runAttributions(config('local-1'), { registry, workers: 1 }));
  row('local, this thread (--workers 1)', 'local-1', local);
  const pool = await timed(() => runAttributions(config('local-pool'), { registry, workers: 2 }));
  row('local worker pool, 2 threads (--workers 2, start-up included)', 'local-pool', pool);
  const queued: Record<number, number> = {};
  for (const n of counts) {
    const workers = await startWorkers(n);
    try {
      queued[n] = await timed(() => runQueued(config(`queued-${n}`), { registry, url: redis.url }));
      row(`queue, ${n} worker process${n === 1 ? '' : 'es'}`, `queued-${n}`, queued[n]);
    } finally {
      await stopWorkers(workers);
    }
  }
  const lines = [
    `| how | seconds (whole run) | batches/s | images/s | ms per batch once going |`,
    `| --- | ------------------- | --------- | -------- | ----------------------- |`,
    ...rows.map((r) =>
      `| ${r.how} | ${r.seconds.toFixed(2)} | ${r.batchesPerSecond.toFixed(2)} | ${r.imagesPerSecond.toFixed(1)} | ${
        r.steadyMs.toFixed(0)
      } |`
    ),
  ];
  const q1 = rows.find((r) => r.how.startsWith('queue, 1 '));
  const summary = [
    q1 === undefined
      ? ''
      : `Queue cost per batch, once going (1 queue worker against the local loop, same work): ${
        (q1.steadyMs - rows[0].steadyMs).toFixed(0)
      } ms; fixed cost per run (planning twice, a worker noticing the run within its 1 s poll, loading the model, following): ${
        ((q1.seconds - local) * 1000 - (q1.steadyMs - rows[0].steadyMs) * batches).toFixed(0)
      } ms.`,
    ...counts.filter((n) => queued[n] !== undefined).map((n) =>
      `${n} queue worker${n === 1 ? '' : 's'}: ${(local / queued[n]).toFixed(2)}x the local loop's throughput, ${
        (pool / queued[n]).toFixed(2)
      }x the 2-thread pool's.`
    ),
  ].filter(Boolean);
  const text = `# Queue bench\n\nGenerated by \`npm run bench:queue\` on ${os.cpus().length} cores (${
    os.cpus()[0]?.model ?? 'unknown CPU'
  }), load average ${
    os.loadavg()[0].toFixed(1)
  } at the end. Fashion-MNIST CNN, ${IMAGES} images in batches of ${BATCH}, vanilla gradient and SmoothGrad (${samples} samples), one redis-server on loopback. Worker processes are started before the clock; the local pool's row includes its threads' start-up.\n\n${
    lines.join('\n')
  }\n\n${
    summary.join('\n\n')
  }\n\nOn a machine with fewer cores than workers, more workers only share the same cores: the figures above show the queue's cost and how far the cores go, not a cluster's scaling.\n`;
  console.log(text);
  writeFileSync(join(root, 'docs/distributed/bench.md'), text);
} finally {
  await redis.stop();
}
process.exit(0);
