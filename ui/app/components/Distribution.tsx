import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../lib/api.ts';
import type { Manifest } from '../lib/types.ts';

/** `GET /api/runs/:run/distribution` (ui/server/routes/distribution.ts). */
interface Distribution {
  run: string;
  shardCount: number | null;
  shards: { index: number; start: number; end: number; status: string; done: number; error?: string }[];
  queue: {
    queue: string;
    open: boolean;
    workers: number;
    updatedAt: string;
    jobs: { start: number; count: number; state: string; attempts: number; worker?: string; error?: string }[];
  } | null;
}

const COLORS: Record<string, string> = {
  waiting: '#d0d4da',
  active: '#3b82f6',
  retrying: '#f59e0b',
  completed: '#16a34a',
  failed: '#dc2626',
  running: '#3b82f6',
  incomplete: '#d0d4da',
  complete: '#16a34a',
};

/**
 * How a sharded or queued run is spread: each shard's block and progress, or the workers attached
 * to the queue and each job's state. Refreshed whenever the run's manifest changes.
 */
export function Distribution(props: { manifest: Manifest }) {
  const m = props.manifest;
  const [data, setData] = useState<Distribution | null>(null);
  const spread = Boolean(m.shards || m.queue);
  useEffect(() => {
    if (!spread) return setData(null);
    let live = true;
    getJson<Distribution>(`/runs/${encodeURIComponent(m.id)}/distribution`)
      .then((d) => live && setData(d), () => live && setData(null));
    return () => void (live = false);
  }, [m.id, m.updatedAt, m.batches.length, m.status, spread]);
  if (!spread || !data || data.run !== m.id) return null;
  const box = (state: string, title: string, key: string | number) => (
    <span
      key={key}
      class={`dist-cell ${state}`}
      title={title}
      style={{
        display: 'inline-block',
        width: '10px',
        height: '10px',
        margin: '1px',
        borderRadius: '2px',
        background: COLORS[state] ?? '#999',
      }}
    />
  );
  return (
    <div class='distribution' id='distribution' style={{ margin: '0.4em 0', fontSize: '0.9em' }}>
      {data.queue && (
        <div id='queue-status'>
          <span id='queue-workers'>
            {data.queue.open
              ? `${data.queue.workers} worker${data.queue.workers === 1 ? '' : 's'} attached`
              : 'queue closed'}
          </span>{' '}
          · queue {data.queue.queue} · {(['completed', 'active', 'retrying', 'waiting', 'failed'] as const).map((s) => {
            const n = data.queue!.jobs.filter((j) => j.state === s).length;
            return n > 0 ? <span key={s}>{`${n} ${s} `}</span> : null;
          })}
          <div id='queue-jobs'>
            {data.queue.jobs.map((j) =>
              box(
                j.state,
                `batch${j.count > 1 ? `es ${j.start}–${j.start + j.count - 1}` : ` ${j.start}`}: ${j.state}${
                  j.attempts > 1 ? `, ${j.attempts} tries` : ''
                }${j.worker ? `, by ${j.worker}` : ''}${j.error ? ` (${j.error})` : ''}`,
                j.start,
              )
            )}
          </div>
        </div>
      )}
      {data.shardCount !== null && (
        <div id='shard-status'>
          {data.shards.length} of {data.shardCount} shards started
          <div id='shard-list'>
            {Array.from({ length: data.shardCount }, (_, i) => {
              const s = data.shards.find((x) => x.index === i);
              if (!s) return box('waiting', `shard ${i}: not started`, i);
              return box(
                s.status,
                `shard ${i}: batches ${s.start}–${s.end - 1}, ${s.done} of ${s.end - s.start} done, ${s.status}${
                  s.error ? ` (${s.error})` : ''
                }`,
                i,
              );
            })}
          </div>
        </div>
      )}
    </div>
  );
}
