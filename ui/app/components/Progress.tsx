import type { Manifest } from '../lib/types.ts';

/** Progress of a run that is still being written (batches done of planned). */
export function Progress(props: { manifest: Manifest; error?: string }) {
  const { manifest: m } = props;
  const done = m.batches.length;
  const planned = m.plannedBatches;
  if (m.status === 'complete' && !props.error) return null;
  return (
    <div class={`progress ${m.status}`} id='progress'>
      {planned ? <progress max={planned} value={done} /> : null}
      <span>
        {m.status === 'running' ? 'computing' : m.status}: {done}
        {planned ? ` / ${planned}` : ''} batches
        {m.error || props.error ? ` — ${m.error ?? props.error}` : ''}
      </span>
    </div>
  );
}
