import type { RunSummary } from '../lib/types.ts';

/** Chooses the run to show; running runs are marked. */
export function RunPicker(
  props: { runs: RunSummary[]; value: string | null; onChange: (id: string) => void },
) {
  return (
    <label class='field'>
      Run
      <select
        id='run-picker'
        value={props.value ?? ''}
        onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}
      >
        {props.value === null && <option value=''>(no runs yet)</option>}
        {props.runs.map((r) => (
          <option key={r.id} value={r.id} title={r.error}>
            {r.id} · {r.model}/{r.dataset} · {r.batches} batch{r.batches === 1 ? '' : 'es'}
            {r.status === 'complete' ? '' : ` · ${r.status}`}
            {r.status === 'broken' && r.error ? `: ${r.error.slice(0, 80)}` : ''}
          </option>
        ))}
      </select>
    </label>
  );
}
