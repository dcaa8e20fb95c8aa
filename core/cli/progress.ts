import type { RunProgress } from '../runs/runner.ts';

/**
 * Renders run progress: a redrawn bar with ETA on a terminal, one plain line per batch otherwise
 * (logs and CI stay readable).
 */
export function progressReporter(write: (text: string) => void, isTTY: boolean): (p: RunProgress) => void {
  return (p) => {
    const planned = p.batchesPlanned;
    const rate = p.elapsedMs > 0 ? (p.samplesDone / p.elapsedMs) * 1000 : 0;
    const eta = p.etaMs === undefined ? '' : ` ETA ${formatDuration(p.etaMs)}`;
    if (isTTY && planned) {
      const width = 30;
      const filled = Math.round((p.batchesDone / planned) * width);
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      const end = p.batchesDone >= planned ? '\n' : '';
      write(
        `\r[${bar}] ${p.batchesDone}/${planned} batches, ${p.samplesDone} samples, ${rate.toFixed(1)}/s${eta}   ${end}`,
      );
    } else {
      write(
        `batch ${p.batchesDone}${planned ? `/${planned}` : ''}: ${p.samplesDone} samples, ${rate.toFixed(1)}/s${eta}\n`,
      );
    }
  };
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
