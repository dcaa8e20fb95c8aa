import { deleteJson } from '../lib/api.ts';
import type { JobInfo } from '../lib/types.ts';

/** A run started here while it waits or computes: its place in the queue, and a button that cancels it. */
export function JobStatus(props: { job: JobInfo; onChange: (job: JobInfo) => void }) {
  const { job } = props;
  if (job.state === 'cancelled') return <p class='muted' id='job-status'>The run was cancelled.</p>;
  if (job.state !== 'queued' && job.state !== 'running') return null;
  const cancel = () => deleteJson<JobInfo>(`/jobs/${job.id}`).then(props.onChange).catch(() => {});
  return (
    <p class='job-status' id='job-status'>
      {job.state === 'queued'
        ? `Waiting: ${
          job.position === 1 ? 'next' : `number ${job.position}`
        } in the queue (one run computes at a time).`
        : 'Computing…'}
      <button type='button' id='job-cancel' onClick={cancel}>Cancel</button>
    </p>
  );
}
