/** One measured configuration of the benchmark, and the Markdown table of them. */
export interface Row {
  workload: string;
  batch: number;
  method: string;
  backend: string;
  /** `tfjs` (plain tf.grad, stock kernels) or `gradlens` (the attribution path). */
  variant: string;
  threads: number;
  imagesPerSecond?: number;
  msPerBatch?: number;
  iterations?: number;
  torchImagesPerSecond?: number;
  /** PyTorch images/s over this row's images/s: > 1 means PyTorch is faster. */
  torchOverTfjs?: number;
  error?: string;
}

const fixed = (v: number | undefined, digits = 1) => (v === undefined ? '' : v.toFixed(digits));

export function formatTable(rows: Row[]): string {
  const header =
    '| workload | batch | method | backend | variant | images/s | ms/batch | PyTorch images/s | torch/tfjs |';
  const lines = rows.map((r) =>
    `| ${r.workload} | ${r.batch} | ${r.method} | ${r.backend} | ${r.variant} | ${
      r.error ? r.error : fixed(r.imagesPerSecond)
    } | ${fixed(r.msPerBatch, 0)} | ${fixed(r.torchImagesPerSecond)} | ${fixed(r.torchOverTfjs, 2)} |`
  );
  return [header, '|---|---|---|---|---|---|---|---|---|', ...lines].join('\n');
}
