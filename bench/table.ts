/** One measured configuration of the benchmark, and the Markdown table of them. */
export interface Row {
  workload: string;
  batch: number;
  method: string;
  backend: string;
  /**
   * `tfjs` (plain tf.grad, stock kernels), `gradlens` (the attribution path on gradlens' wasm
   * kernels, native kernels off) or `gradlens+onednn` (the same with the native oneDNN kernels).
   */
  variant: string;
  /** Threads of this row and of the PyTorch run it is compared with. */
  threads: number;
  /** Median over rounds of each round's mean milliseconds per batch. */
  msPerBatch?: number;
  imagesPerSecond?: number;
  /** Each round's mean milliseconds per batch, in the order measured. */
  roundsMs?: number[];
  /** Timed calls over all rounds (warm-ups excluded). */
  iterations?: number;
  /** PyTorch at the same threads, measured in alternation with this row (same statistic). */
  torchMsPerBatch?: number;
  torchImagesPerSecond?: number;
  torchRoundsMs?: number[];
  /** msPerBatch / torchMsPerBatch: < 1 means this row is faster than PyTorch. */
  timeOverTorch?: number;
  error?: string;
}

const fixed = (v: number | undefined, digits = 1) => (v === undefined ? '' : v.toFixed(digits));

export function formatTable(rows: Row[]): string {
  const header =
    '| workload | batch | method | backend | variant | threads | images/s | ms/batch | PyTorch images/s | ms / PyTorch ms |';
  const lines = rows.map((r) =>
    `| ${r.workload} | ${r.batch} | ${r.method} | ${r.backend} | ${r.variant} | ${r.threads} | ${
      r.error ? r.error : fixed(r.imagesPerSecond)
    } | ${fixed(r.msPerBatch, 0)} | ${fixed(r.torchImagesPerSecond)} | ${fixed(r.timeOverTorch, 2)} |`
  );
  return [header, '|---|---|---|---|---|---|---|---|---|---|', ...lines].join('\n');
}
