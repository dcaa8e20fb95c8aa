/**
 * The README's quickstart job end to end, as a user runs it: `gradlens attribute` on the shipped
 * Fashion-MNIST images (the installed CLI: compiled JavaScript in dist/, a fresh process each
 * time, start-up, model loading, reading and writing .npy included) beside a Python script doing
 * the same job with PyTorch (bench/torch_quickstart.py, `import torch` included). Two jobs: time to
 * first map (one image) and the whole quickstart (256 images). The sides alternate round by round
 * and each figure is the median of its rounds. Both sides' maps are compared, so the ratio is known
 * to compare the same work. Target: gradlens at most 0.7 of PyTorch's time.
 *
 * Part of `npm run bench`; `tsx bench/quickstart.ts [--rounds N]` runs it alone and replaces its
 * section of docs/bench.md.
 */
import { spawnSync } from 'node:child_process';
import { spawnSync as run } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { encodeNpy, parseNpy, toFloat32 } from '../core/io/npy.ts';
import { median } from './measure.ts';

export interface QuickstartRow {
  job: string;
  images: number;
  seconds?: number;
  torchSeconds?: number;
  ratio?: number;
  maxAbsDiff?: number;
  error?: string;
}

/** The bench's target for `ratio` (gradlens seconds over PyTorch seconds). */
export const QUICKSTART_TARGET = 0.7;

const root = new URL('..', import.meta.url).pathname;
const MODEL = join(root, 'examples/fashion-mnist/model/model.json');
const DATA = join(root, 'examples/fashion-mnist/data');

function timed(command: string, args: string[]): number {
  const started = performance.now();
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${command} failed: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' ')}`);
  return seconds;
}

function slice(dir: string, name: string, n: number): string {
  const array = parseNpy(readFileSync(join(DATA, name)), name);
  const per = array.shape.slice(1).reduce((a, b) => a * b, 1);
  const values = array.data.slice(0, n * per);
  const path = join(dir, `${n}-${name}`);
  writeFileSync(path, encodeNpy(values, [n, ...array.shape.slice(1)]));
  return path;
}

function maxAbsDiff(a: string, b: string): number {
  const x = toFloat32(parseNpy(readFileSync(a), a).data);
  const y = toFloat32(parseNpy(readFileSync(b), b).data);
  if (x.length !== y.length) return Infinity;
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

/** Runs both jobs `rounds` times on each side; `skipTorch` leaves PyTorch's columns empty. */
export function benchQuickstart(rounds: number, skipTorch: boolean): QuickstartRow[] {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-quickstart-'));
  const cli = join(root, 'dist/bin/gradlens.js');
  const rows: QuickstartRow[] = [];
  try {
    for (const [job, images] of [['time to first map', 1], ['quickstart end to end', 256]] as const) {
      const row: QuickstartRow = { job, images };
      const x = images === 256 ? join(DATA, 'sample-x.npy') : slice(dir, 'sample-x.npy', images);
      const y = images === 256 ? join(DATA, 'sample-y.npy') : slice(dir, 'sample-y.npy', images);
      const ours = join(dir, `maps-${images}.npy`);
      const theirs = join(dir, `torch-${images}.npy`);
      const gradlens = () =>
        timed(process.execPath, [
          cli,
          'attribute',
          '--model',
          MODEL,
          '--inputs',
          x,
          '--labels',
          y,
          '--method',
          'vanilla-gradient',
          '--out',
          ours,
        ]);
      const torch = () =>
        timed('/usr/bin/python3', [join(root, 'bench/torch_quickstart.py'), MODEL, x, y, theirs, '1']);
      const mine: number[] = [];
      const other: number[] = [];
      process.stderr.write(`  ${job} (${images} image${images > 1 ? 's' : ''}) ...`);
      try {
        for (let r = 0; r < rounds; r++) {
          // Alternate which side goes first, so both meet the same load.
          if (r % 2 === 0 || skipTorch) mine.push(gradlens());
          if (!skipTorch) other.push(torch());
          if (r % 2 === 1 && !skipTorch) mine.push(gradlens());
        }
        row.seconds = median(mine);
        if (!skipTorch) {
          row.torchSeconds = median(other);
          row.ratio = row.seconds / row.torchSeconds;
          row.maxAbsDiff = maxAbsDiff(ours, theirs);
        }
        process.stderr.write(
          ` gradlens ${row.seconds.toFixed(2)} s` +
            (row.torchSeconds ? `, PyTorch ${row.torchSeconds.toFixed(2)} s, ratio ${row.ratio!.toFixed(2)}` : '') +
            '\n',
        );
      } catch (error) {
        row.error = (error as Error).message.slice(0, 200);
        process.stderr.write(` failed: ${row.error}\n`);
      }
      rows.push(row);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export function formatQuickstartTable(rows: QuickstartRow[]): string {
  const f = (v: number | undefined, d = 2) => (v === undefined ? '' : v.toFixed(d));
  return [
    `| job | images | gradlens s | PyTorch s | gradlens / PyTorch (target <= ${QUICKSTART_TARGET}) | max abs diff of the maps |`,
    '|---|---|---|---|---|---|',
    ...rows.map((r) =>
      `| ${r.job} | ${r.images} | ${r.error ?? f(r.seconds)} | ${f(r.torchSeconds)} | ${
        r.ratio === undefined ? '' : `${f(r.ratio)} ${r.ratio <= QUICKSTART_TARGET ? '(met)' : '(missed)'}`
      } | ${r.maxAbsDiff === undefined ? '' : r.maxAbsDiff.toExponential(1)} |`
    ),
  ].join('\n');
}

const HEADING = '## Time to first map and the quickstart, end to end: the gradlens CLI vs a PyTorch script';

/** The section of docs/bench.md that holds the table, with what it measures. */
export function quickstartSection(rows: QuickstartRow[]): string {
  return [
    HEADING,
    '',
    "The README's quickstart command (`gradlens attribute ... --method vanilla-gradient --out maps.npy`, the",
    'installed CLI from dist/, default workers) on the shipped Fashion-MNIST images, as a new process each time:',
    'start-up, loading the model, reading the inputs and writing the maps included. Beside it',
    '`bench/torch_quickstart.py` does the same job with PyTorch (1 thread; `import torch`, loading the same',
    'weights from model.json, batches of 64, writing the maps with numpy). The last column compares the two',
    "sides' maps, so both did the same work. Medians of alternating rounds.",
    '',
    formatQuickstartTable(rows),
  ].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--rounds');
  const rows = benchQuickstart(i > 0 ? Number(process.argv[i + 1]) : 5, false);
  console.log(formatQuickstartTable(rows));
  const path = join(root, 'docs/bench.md');
  const doc = readFileSync(path, 'utf8');
  const at = doc.indexOf(HEADING);
  const next = at < 0 ? -1 : doc.indexOf('\n## ', at + HEADING.length);
  const section = quickstartSection(rows) + '\n';
  const updated = at < 0
    ? doc.replace('\n## ', `\n${section}\n## `)
    : doc.slice(0, at) + section + (next < 0 ? '' : doc.slice(next));
  writeFileSync(path, updated);
  run(join(root, 'node_modules/.bin/deno'), ['fmt', path], { stdio: 'ignore' });
}
