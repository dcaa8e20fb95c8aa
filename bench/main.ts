/**
 * `npm run bench`: input-gradient throughput of three vision workloads, gradlens and stock tfjs
 * against PyTorch on the same architecture, batch and thread count. Prints a table; writes
 * bench/results/latest.json and docs/bench.md.
 *
 * Variants: `tfjs` is plain tfjs (tf.grad over model.apply, stock kernels); `gradlens` is the
 * attribution path on gradlens' wasm kernels with the native kernels off; `gradlens+onednn` the
 * same with the native oneDNN kernels (core/engine/native), at 1 and 2 threads.
 *
 * Each side runs in its own process (bench/runner.ts; bench/torch_reference.py --serve): stock
 * tfjs, gradlens at 1 thread, gradlens at 2 threads, tfjs cpu, PyTorch at 1 and at 2 threads.
 * For each workload, method and thread count the variants and PyTorch are measured in rounds,
 * one after the other (order reversed every other round), and each side's figure is the median
 * of its round means: load from other work on a shared machine then hits both sides alike.
 *
 * Options: --budget S (timed seconds per side and case, split over the rounds; default 1.5),
 * --rounds N (default 5), --workloads a,b, --skip-torch, --skip-cpu (no tfjs cpu rows),
 * --cpu-all (also MobileNetV2 on the cpu backend: minutes), --skip-workers (the worker/memory table),
 * --skip-quickstart (the end-to-end table: the README's quickstart beside a PyTorch script, bench/quickstart.ts),
 * --skip-metrics (the metrics table, bench/metrics.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import process from 'node:process';
import { tf } from '../core/tensor/tf.ts';
import { mean, median } from './measure.ts';
import { benchQuickstart, formatQuickstartTable, type QuickstartRow, quickstartSection } from './quickstart.ts';
import { LineServer, type Reply } from './serve.ts';
import { formatTable, type Row } from './table.ts';
import { WORKLOADS } from './workloads.ts';
import { benchWorkers, formatWorkerTable, type WorkerRow } from './workers.ts';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const budget = Number(option('budget') ?? 1.5);
const rounds = Math.max(1, Math.round(Number(option('rounds') ?? 5)));
const selected = option('workloads')?.split(',');
const workloads = WORKLOADS.filter((w) => !selected || selected.includes(w.name));
const skipTorch = args.includes('--skip-torch');
/** Thread counts compared: 1, and 2 where the machine has two cores. */
const threadCounts = os.cpus().length >= 2 ? [1, 2] : [1];
/** Batch of the 50-pass methods (SmoothGrad, IG) on the Fashion-MNIST workload. */
const SMALL_BATCH = 32;
/** Timed calls per side and round at most (20 over the whole measurement, as before rounds). */
const MAX_PER_ROUND = Math.max(1, Math.ceil(20 / rounds));
const root = new URL('..', import.meta.url).pathname;
const TORCH_HINT =
  "install Debian's PyTorch for /usr/bin/python3 (apt-get install python3-torch python3-torchvision), or pass --skip-torch";
/** What the profiles said, kept under the table in docs/bench.md. */
const NOTES = `## Notes

- **Engine.** On wasm, gradlens runs the kernels listed on the Machine line above through oneDNN, in a Node-API addon
  that works on the tensors in the wasm heap in place (core/engine/native). It is compiled from source at \`npm install\` (scripts/build-native.mjs: g++ against Debian's \`libdnnl-dev\`, oneDNN
  2.6.3, the same oneDNN that Debian's PyTorch 1.13 reports). Without it (no compiler or headers, or
  \`GRADLENS_NATIVE=off\`) every kernel stays on gradlens' wasm kernels and the \`gradlens+onednn\` rows give the
  reason; cases a native kernel does not cover (NCHW, prelu, non-float32) fall back to the wasm kernel per call.
- **Threads.** The 2-thread rows give the native kernels two OpenMP threads (\`setNativeKernels(true, 2)\`); the rest of
  tfjs wasm stays on one (no wasm threads in Node). Each thread count runs in its own process, as PyTorch's do. (A
  oneDNN primitive keeps the thread count it was built with; the addon's cache now keys primitives by it, after this
  bench found a 1-thread convolution still using one core after a switch to 2.) With other work on the second core,
  2-thread figures on either side move the most. PyTorch's SmoothGrad and IG loops (many small batch-32 passes) ran
  slower at 2 threads than at 1 in our runs, so their 2-thread ratios flatter gradlens.
- **Stability.** Earlier tables measured PyTorch after all tfjs rows, and load from other work moved ratios by up to 2x
  between runs. Now each case alternates its sides round by round and takes medians (\`roundsMs\` and
  \`torchRoundsMs\` in bench/results/latest.json show the spread), so a ratio compares runs made under the same load.
- **What bounds it now** (\`tsx bench/profile.ts WORKLOAD METHOD BATCH\`, tf.profile kernel times, native kernels on,
  1 thread; shares of kernel time):
  - MobileNetV2, batch 8 (~300 ms a call): forward Conv2D ~22% and Conv2DBackpropInput ~22% (oneDNN); the ReLU6
    gradient mask ~9%; depthwise input gradient and forward ~8% each; FusedBatchNorm ~8% and the \`Multiply\` of its
    gradient ~8%; Relu6 ~5%; the forward \`PadV2\` of Keras' ZeroPadding2D ~4% and its gradient \`Slice\` ~3%
    (native copies now; tfjs wasm's Slice took ~18% of the call). What is left outside oneDNN's convolutions is
    memory-bound elementwise work: next, fold inference batch norm into the convolutions' weights under the tape and
    take the zero padding into the following convolution's padding, which removes a full pass each.
  - Fashion-MNIST CNN, vanilla, batch 256 (~35 ms): Conv2DBackpropInput ~32% (the first convolution's gradient
    into the 1-channel input is most of it), MaxPoolGrad ~19%, Conv2D ~15%, the bias \`Add\` after each convolution
    ~11% (fused convolutions are split under the tape so that no filter gradient is computed, which leaves the bias
    as its own pass), MaxPool ~10% (XNNPACK), the ReLU mask ~5%, Relu ~4%. SmoothGrad-50 at batch 32 has the same
    mix; kernels are ~80% of its time, the rest is JS (the seeded noise, chunking).
- **Before the native kernels** (the \`gradlens\` rows, wasm alone): MobileNetV2 went from 8.7 s per batch of 8 (stock
  kernels plus the missing ones) to the \`gradlens\` row's time by removing tfjs's batch-norm gradient \`Tile\`, the
  four/five-kernel ReLU6 and ClipByValue gradients (one SIMD pass), the copying \`Identity\` behind every saved tensor
  and the \`Reverse\`/\`Slice\` copies in the convolution input gradients; SmoothGrad/IG stopped tiling their inputs.
  What then bounded it was XNNPACK's convolutions and their input gradients, batch norm and the JS MaxPoolGrad: the
  kernels oneDNN now runs.
- Stock tfjs wasm cannot differentiate MobileNetV2 at all (missing kernels); gradlens adds them. Workload (c) is
  nsfwjs's pretrained MobileNetV2 (5 classes); PyTorch runs torchvision's with the same head. PyTorch's SmoothGrad
  and IG loop over 50 passes of batch 32 (at 1 thread here faster for it than one batch of 1,600); gradlens batches up
  to 1,024 evaluations per call.
- **Workers.** Each worker is a thread with its own wasm engine, native kernels (1 thread each) and model, so 2
  workers about double peak RSS; in the table above (vanilla maps, fast per image) the second worker has not helped.
  Peak RSS of 10,000 images stays close to that of 1,000 (batches stream; at most two batches per worker are in
  flight); 1,000 images end to end are mostly start-up (tfjs, the addon, the model: ~0.9 s before the first batch).
  With the native kernels a worker computes 10,000 Fashion-MNIST vanilla maps in ~1.2 s, so there a second worker's
  start-up costs about what it saves; on heavier work the default of one worker per core pays: SmoothGrad-50 over
  2,000 images took 16.5 s with 1 worker, 10.6 s with 2, and 14.2 s with 1 worker at \`GRADLENS_THREADS=2\` (all three
  maps byte-identical).
`;

// The end-to-end tables run the CLI as users install it: compiled JavaScript in dist/.
if (!args.includes('--skip-quickstart') || !args.includes('--skip-workers')) {
  const build = spawnSync(process.execPath, [`${root}scripts/build.mjs`, '--if-stale'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('bench: building dist/ failed (node scripts/build.mjs)');
}
let quickstartRows: QuickstartRow[] = [];
if (!args.includes('--skip-quickstart')) {
  process.stderr.write("the README's quickstart end to end, gradlens CLI vs a PyTorch script\n");
  quickstartRows = benchQuickstart(rounds, skipTorch);
}

// ---- The measuring processes, started on first use.

interface Started {
  server?: LineServer;
  hello: Record<string, unknown>;
  reason?: string;
}

const started = new Map<string, Promise<Started>>();

function startOnce(key: string, label: string, command: string, argv: string[]): Promise<Started> {
  let s = started.get(key);
  if (!s) {
    process.stderr.write(`  (starting ${label})\n`);
    s = LineServer.start(label, command, argv).then(
      ({ server, hello }) => ({ server, hello }),
      (error: Error) => ({ hello: {}, reason: error.message }),
    );
    started.set(key, s);
  }
  return s;
}

/** bench/runner.ts under the same Node and loader (tsx) as this process. */
const runner = (key: string, argv: string[]) =>
  startOnce(key, `runner ${argv.join(' ')}`, process.execPath, [
    ...process.execArgv,
    `${root}bench/runner.ts`,
    ...argv,
  ]);
const torchServer = (threads: number) =>
  startOnce(`torch${threads}`, `PyTorch, ${threads} thread(s)`, '/usr/bin/python3', [
    `${root}bench/torch_reference.py`,
    '--serve',
    String(threads),
  ]);

// ---- Cases: the rows measured together, interleaved with PyTorch.

interface Side {
  process: () => Promise<Started>;
  variant: string;
  row: Row;
}

interface Case {
  workload: string;
  method: string;
  batch: number;
  threads: number;
  sides: Side[];
  rounds: number;
  /** Timed calls per tfjs side and round at most (PyTorch: MAX_PER_ROUND). */
  maxPerRound: number;
}

const rows: Row[] = [];
let torchVersion = skipTorch ? 'not run (--skip-torch)' : 'not run';
let torchMissing: string | undefined;

function side(c: Omit<Case, 'sides'>, backend: string, variant: string, start: () => Promise<Started>): Side {
  const row: Row = { workload: c.workload, batch: c.batch, method: c.method, backend, variant, threads: c.threads };
  rows.push(row);
  return { process: start, variant, row };
}

/** One request; a process that died answers with the reason instead of throwing. */
async function ask(p: Started, message: object): Promise<Reply> {
  try {
    return await p.server!.request(message);
  } catch (error) {
    return { error: (error as Error).message };
  }
}

async function measureCase(c: Case) {
  const label = `${c.workload} ${c.method} batch ${c.batch}, ${c.threads} thread(s)`;
  process.stderr.write(`${label}\n`);
  const active: Side[] = [];
  for (const s of c.sides) {
    const p = await s.process();
    if (p.reason) s.row.error = `not measured: ${p.reason.slice(0, 160)}`;
    else if (s.variant === 'gradlens+onednn' && !p.hello.native) {
      s.row.error = `native kernels unavailable: ${p.hello.nativeReason}`;
    } else active.push(s);
  }
  if (!active.length) return;
  let torch: Started | undefined;
  if (!skipTorch) {
    torch = await torchServer(c.threads);
    if (torch.reason) {
      torchMissing ??= torch.reason;
      torch = undefined;
    } else torchVersion = String(torch.hello.torch);
  }
  const torchRounds: number[] = [];
  const ms = new Map<Side, number[]>(active.map((s) => [s, []]));
  const perRound = budget / c.rounds;
  for (let round = 0; round < c.rounds; round++) {
    const order: (Side | 'torch')[] = [...active.filter((s) => !s.row.error), ...(torch ? ['torch' as const] : [])];
    if (round % 2) order.reverse();
    for (const s of order) {
      const request = { workload: c.workload, batch: c.batch, method: c.method, budget: perRound };
      if (s === 'torch') {
        const reply = await ask(torch!, { ...request, max_iterations: MAX_PER_ROUND });
        if (reply.ms) torchRounds.push(mean(reply.ms));
        else process.stderr.write(`  PyTorch failed: ${reply.error}\n`);
        continue;
      }
      const reply = await ask(await s.process(), {
        ...request,
        variant: s.variant,
        maxIterations: c.maxPerRound,
      });
      if (reply.ms) {
        ms.get(s)!.push(mean(reply.ms));
        s.row.iterations = (s.row.iterations ?? 0) + reply.ms.length;
      } else s.row.error = (reply.error ?? 'failed').slice(0, 160);
    }
  }
  const torchMs = torchRounds.length ? median(torchRounds) : undefined;
  const summary: string[] = [];
  for (const s of active) {
    const r = s.row;
    const m = ms.get(s)!;
    // A side that failed in any round shows the failure, not the rounds before it.
    if (m.length && !r.error) {
      Object.assign(r, { roundsMs: m, msPerBatch: median(m), imagesPerSecond: (c.batch * 1000) / median(m) });
    }
    if (torchMs !== undefined) {
      Object.assign(r, {
        torchMsPerBatch: torchMs,
        torchImagesPerSecond: (c.batch * 1000) / torchMs,
        torchRoundsMs: torchRounds,
      });
      if (r.msPerBatch !== undefined) r.timeOverTorch = r.msPerBatch / torchMs;
    }
    summary.push(`${r.variant} ${r.msPerBatch === undefined ? r.error : `${r.msPerBatch.toFixed(0)} ms`}`);
  }
  if (torchMs !== undefined) summary.push(`PyTorch ${torchMs.toFixed(0)} ms`);
  process.stderr.write(`  ${summary.join(', ')}\n`);
}

const cases: Case[] = [];
const stockWasm = () => runner('stock', ['--backend', 'wasm', '--stock']);
const gradlensWasm = (threads: number) => () =>
  runner(`wasm${threads}`, ['--backend', 'wasm', '--threads', `${threads}`]);
for (const w of workloads) {
  const methods = w.name === 'fashion' ? ['vanilla', 'smoothgrad-50', 'ig-50'] : ['vanilla'];
  for (const method of methods) {
    // 50 gradient passes per image: a batch of 32 keeps each measurement to seconds.
    const batch = method === 'vanilla' ? w.batch : SMALL_BATCH;
    for (const threads of threadCounts) {
      const c = { workload: w.name, method, batch, threads, rounds, maxPerRound: MAX_PER_ROUND };
      const sides: Side[] = [];
      if (threads === 1) {
        if (method === 'vanilla') sides.push(side(c, 'wasm', 'tfjs', stockWasm));
        sides.push(side(c, 'wasm', 'gradlens', gradlensWasm(1)));
      }
      sides.push(side(c, 'wasm', 'gradlens+onednn', gradlensWasm(threads)));
      cases.push({ ...c, sides });
    }
  }
}
// tfjs cpu: seconds per batch, so one round of one timed call (plus warm-up) per side.
if (!args.includes('--skip-cpu')) {
  const cpu = () => runner('cpu', ['--backend', 'cpu']);
  for (const w of workloads) {
    const c = { workload: w.name, method: 'vanilla', batch: w.batch, threads: 1, rounds: 1, maxPerRound: 1 };
    if (w.name === 'mobilenetv2' && !args.includes('--cpu-all')) {
      rows.push({
        ...c,
        backend: 'cpu',
        variant: 'gradlens',
        error: 'skipped: tens of seconds per batch on tfjs cpu (--cpu-all runs it)',
      });
      continue;
    }
    cases.push({ ...c, sides: [side(c, 'cpu', 'tfjs', cpu), side(c, 'cpu', 'gradlens', cpu)] });
  }
}

for (const c of cases) await measureCase(c);
if (torchMissing) process.stderr.write(`PyTorch rows not measured: ${torchMissing}\n  ${TORCH_HINT}\n`);
const wasm1 = await (started.get('wasm1') ?? Promise.resolve(undefined));
for (const s of started.values()) (await s).server?.close();

let workerRows: WorkerRow[] = [];
if (!args.includes('--skip-workers')) {
  process.stderr.write('gradlens attribute end to end: workers and peak memory\n');
  workerRows = benchWorkers(budget, skipTorch || Boolean(torchMissing));
}

// Metrics: deletion (100 steps) and the randomisation check on the Fashion-MNIST workload, in a child process.
let metricTable = '';
if (!args.includes('--skip-metrics')) {
  process.stderr.write('metrics: deletion-auc and the randomisation check\n');
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${root}bench/metrics.ts`, '--budget', String(budget)], {
    encoding: 'utf8',
  });
  metricTable = r.status === 0 ? r.stdout.trim() : `not measured: ${(r.stderr ?? '').trim().split('\n').pop()}`;
}

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  platform: `${os.platform()} ${os.release()}`,
  runtime: `node ${process.versions.node}`,
  tfjs: tf.version.tfjs,
  native: wasm1 ? String(wasm1.hello.native ?? `off: ${wasm1.hello.nativeReason}`) : 'not run',
  wasmThreads: wasm1?.hello.wasmThreads,
  torch: torchMissing ? `missing (${torchMissing.slice(0, 120)})` : torchVersion,
  threads: threadCounts,
  budgetSeconds: budget,
  rounds,
  date: new Date().toISOString(),
};
const table = formatTable(rows);
console.log(table);
if (quickstartRows.length) console.log(`\n${formatQuickstartTable(quickstartRows)}`);
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(
  `${root}bench/results/latest.json`,
  JSON.stringify({ machine, rows, workerRows, quickstartRows }, null, 2) + '\n',
);
writeFileSync(
  `${root}docs/bench.md`,
  [
    '# Benchmark: input gradients, gradlens on tfjs vs PyTorch',
    '',
    'Produced by `npm run bench` (bench/main.ts; PyTorch side bench/torch_reference.py). One attribution call on a',
    'batch; random inputs, trained weights where installed. `tfjs` = plain `tf.grad` over `model.apply` with stock',
    'kernels; `gradlens` = the attribution path (input-only gradients) on gradlens wasm kernels, native kernels off;',
    '`gradlens+onednn` = the same with the native oneDNN kernels. `threads` is the thread count of the row and of the',
    'PyTorch run it is compared with (`torch.set_num_threads`; OpenMP threads of the native kernels; tfjs wasm and cpu',
    'are single-threaded here). Every side runs in its own process; for each workload, method and thread count the',
    `variants and PyTorch are measured alternately, ${rounds} rounds of ${budget / rounds} s timed each (after one`,
    'untimed call), and each figure is the median of the round means. `ms / PyTorch ms` < 1 means faster than PyTorch.',
    'The cpu rows are one round of one call. The machine is shared with other work, so absolute numbers move between',
    'runs; the alternation keeps each ratio to load both sides saw.',
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform};`,
    `${machine.runtime}, tfjs ${machine.tfjs}, native kernels: ${machine.native}; PyTorch ${machine.torch};`,
    `${machine.date}.`,
    '',
    table,
    '',
    ...(quickstartRows.length ? [quickstartSection(quickstartRows), ''] : []),
    ...(workerRows.length
      ? [
        '## Workers and memory: `gradlens attribute`, Fashion-MNIST CNN, vanilla gradient, wasm, batch 256',
        '',
        'End to end in a child process (start-up, loading the model in every worker, reading and writing',
        '.npy included; each worker runs the native kernels at 1 thread where built); PyTorch: the same batch',
        "loop in 1 and 2 threads (no start-up or I/O). Peak RSS is /usr/bin/time's maximum resident set of the",
        'whole process (workers are threads of it).',
        '',
        formatWorkerTable(workerRows),
        '',
      ]
      : []),
    ...(metricTable
      ? [
        '## Metrics: Fashion-MNIST CNN, 64 test images, wasm (bench/metrics.ts)',
        '',
        'Images per second of one metric over the batch, the maps it judges included, each against a baseline',
        'measured in the same process. Deletion is compared with a per-sample loop (one forward call per sample and',
        'step; same values, checked); the randomisation check recomputes the maps once per layer.',
        '',
        metricTable,
        '',
      ]
      : []),
    NOTES,
  ].join('\n'),
);
// The generated tables are kept in the repository's format (npm test runs deno fmt --check).
spawnSync(`${root}node_modules/.bin/deno`, ['fmt', `${root}docs/bench.md`], { stdio: 'ignore' });
process.exit(0);
