/**
 * Worker scaling and memory of `gradlens attribute` on the Fashion-MNIST model, end to end in
 * child processes (start-up, .npy reading and writing included): images/s with 1 and 2 workers
 * against PyTorch with 1 and 2 threads, and peak RSS (/usr/bin/time) of a 1,000-image and a
 * 10,000-image run, which should match: batches stream, at most two per worker in flight.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { encodeNpy } from '../core/io/npy.ts';

export interface WorkerRow {
  images: number;
  workers: number;
  seconds?: number;
  imagesPerSecond?: number;
  peakRssMiB?: number;
  torchThreads?: number;
  torchImagesPerSecond?: number;
  error?: string;
}

const root = new URL('..', import.meta.url).pathname;
const MODEL = join(root, 'examples/fashion-mnist/model/model.json');

function inputs(dir: string, n: number): string {
  const values = new Float32Array(n * 28 * 28);
  let s = 12345;
  for (let i = 0; i < values.length; i++) values[i] = ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) / 16777216;
  const path = join(dir, `x-${n}.npy`);
  writeFileSync(path, encodeNpy(values, [n, 28, 28, 1]));
  return path;
}

function attribute(x: string, out: string, workers: number): { seconds: number; rssMiB: number } {
  const args = ['-f', '%e %M', process.execPath, join(root, 'dist/bin/gradlens.js'), 'attribute', '--model', MODEL];
  args.push('--inputs', x, '--out', out, '--backend', 'wasm', '--batch-size', '256', '--workers', String(workers));
  const r = spawnSync('/usr/bin/time', args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error((r.stderr ?? '').split('\n').slice(-4).join(' '));
  const [seconds, kib] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { seconds, rssMiB: kib / 1024 };
}

function torch(threads: number, budget: number): number | undefined {
  const runs = [{ workload: 'fashion', batch: 256, method: 'vanilla', label: 'vanilla', max_iterations: 20 }];
  const r = spawnSync('/usr/bin/python3', [
    join(root, 'bench/torch_reference.py'),
    JSON.stringify({ threads, budget, runs }),
  ], { encoding: 'utf8' });
  const line = (r.stdout ?? '').split('\n').find(Boolean);
  return line ? JSON.parse(line).images_per_s : undefined;
}

/** Runs the measurements; `skipTorch` leaves the PyTorch columns empty. */
export function benchWorkers(budget: number, skipTorch: boolean): WorkerRow[] {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-bench-'));
  const rows: WorkerRow[] = [];
  try {
    for (const n of [1000, 10000]) {
      const x = inputs(dir, n);
      for (const workers of [1, 2]) {
        process.stderr.write(`  attribute ${n} images, ${workers} worker(s) ...`);
        const row: WorkerRow = { images: n, workers };
        try {
          const { seconds, rssMiB } = attribute(x, join(dir, `maps-${n}-${workers}.npy`), workers);
          Object.assign(row, { seconds, imagesPerSecond: n / seconds, peakRssMiB: rssMiB });
          process.stderr.write(` ${row.imagesPerSecond!.toFixed(0)} images/s, ${rssMiB.toFixed(0)} MiB\n`);
        } catch (error) {
          row.error = (error as Error).message.slice(0, 160);
          process.stderr.write(` failed: ${row.error}\n`);
        }
        if (!skipTorch) {
          row.torchThreads = workers;
          row.torchImagesPerSecond = torch(workers, budget);
        }
        rows.push(row);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export function formatWorkerTable(rows: WorkerRow[]): string {
  const f = (v: number | undefined, d = 1) => (v === undefined ? '' : v.toFixed(d));
  return [
    '| images | workers | seconds (end to end) | images/s | peak RSS MiB | PyTorch threads | PyTorch images/s (batch loop only) | time / PyTorch time |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) =>
      `| ${r.images} | ${r.workers} | ${r.error ?? f(r.seconds)} | ${f(r.imagesPerSecond)} | ${f(r.peakRssMiB, 0)} | ${
        r.torchThreads ?? ''
      } | ${f(r.torchImagesPerSecond)} | ${
        r.imagesPerSecond && r.torchImagesPerSecond ? f(r.torchImagesPerSecond / r.imagesPerSecond, 2) : ''
      } |`
    ),
  ].join('\n');
}
