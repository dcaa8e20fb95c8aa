import type { RunSummary } from '../lib/types.ts';

/**
 * Adds runs to show beside the shown one (their batches must hold the same samples; the page
 * says so when they do not) and removes them again.
 */
export function ComparePicker(
  props: { runs: RunSummary[]; runId: string | null; compare: string[]; onChange: (ids: string[]) => void },
) {
  const candidates = props.runs.filter((r) => r.id !== props.runId && !props.compare.includes(r.id));
  return (
    <div class='field compare'>
      {props.compare.map((id) => (
        <span class='compare-chip' key={id} data-run={id}>
          + {id}
          <button
            type='button'
            class='remove'
            title={`stop comparing with ${id}`}
            onClick={() => props.onChange(props.compare.filter((x) => x !== id))}
          >
            ×
          </button>
        </span>
      ))}
      <select
        id='compare-picker'
        value=''
        disabled={!props.runId || candidates.length === 0}
        title='show the maps of another run over the same samples beside these'
        onChange={(e) => {
          const id = (e.target as HTMLSelectElement).value;
          if (id) props.onChange([...props.compare, id]);
        }}
      >
        <option value=''>Compare with…</option>
        {candidates.map((r) => (
          <option key={r.id} value={r.id}>
            {r.id} · {r.model}/{r.dataset}
          </option>
        ))}
      </select>
    </div>
  );
}
