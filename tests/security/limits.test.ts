/**
 * Limits of the dashboard's job queue against a real server: one run at a time, a bounded queue
 * (429), cancelling, a time limit, a heap cap and a bound on the work a request may ask for. A
 * stopped run is marked `cancelled` or `failed`, never left `running`; a legitimate run still
 * completes after each.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Dashboard, type DashboardOptions, startDashboard } from '../../ui/server/dashboard.ts';
import type { JobInfo } from '../../ui/server/jobs/jobs.ts';
import { builtinRegistry, tinyConfig } from '../../ui/testing/model-run.ts';
import { type World, world } from './world.ts';

const test = suite('security: limits');
let w: World;
const open: Dashboard[] = [];

test.before(async () => {
  w = await world();
});

test.after(async () => {
  for (const d of open) await d.close();
});

async function dashboard(o: Partial<DashboardOptions> = {}): Promise<Dashboard> {
  const d = await startDashboard({
    runsDir: join(w.project, 'runs'),
    baseDir: w.project,
    port: 0,
    registry: builtinRegistry(),
    ...o,
  });
  open.push(d);
  return d;
}

/** A run of the tiny project; `slow` makes it take seconds (integrated gradients with that many steps, one sample a batch). */
function run(id: string, slow: false | number = false, extra: Record<string, unknown> = {}) {
  const { runsDir: _, ...config } = tinyConfig(id, 'runs', slow ? 1 : 4) as unknown as Record<string, unknown>;
  const methods = slow ? [{ plugin: 'integrated-gradients', options: { steps: slow } }] : config.methods;
  return { ...config, methods, ...extra };
}

async function call(d: Dashboard, method: string, path: string, body?: unknown) {
  const res = await fetch(new URL(path, d.url), {
    method,
    headers: { 'Content-Type': 'application/json', Origin: new URL(d.url).origin },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

function manifestStatus(id: string): string | undefined {
  const path = join(w.project, 'runs', id, 'manifest.json');
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')).status : undefined;
}

/** Resolves once the job has written its first batch (its run exists and is `running`). */
function firstBatch(d: Dashboard, job: string): Promise<void> {
  return new Promise((resolve) => {
    const stop = d.jobs.watch(job, (info: JobInfo) => {
      if ((info.progress?.batchesDone ?? 0) > 0 || info.finishedAt) (stop(), resolve());
    });
  });
}

test('runs queue one at a time; a full queue answers 429; queued and running jobs cancel', async () => {
  const d = await dashboard({ jobs: 1, maxQueued: 1 });
  const a = await call(d, 'POST', '/api/jobs', run('queue-a', 3000));
  assert.is(a.status, 202, JSON.stringify(a.body));
  assert.is(a.body.state, 'running');
  const b = await call(d, 'POST', '/api/jobs', run('queue-b'));
  assert.is(b.status, 202, JSON.stringify(b.body));
  assert.is(b.body.state, 'queued');
  assert.is(b.body.position, 1);
  const c = await call(d, 'POST', '/api/jobs', run('queue-c'));
  assert.is(c.status, 429, JSON.stringify(c.body));
  assert.match(c.body.error, /already waiting/);
  assert.is((await call(d, 'GET', `/api/jobs/${b.body.id}`)).body.position, 1);
  const cancelled = await call(d, 'DELETE', `/api/jobs/${b.body.id}`);
  assert.is(cancelled.status, 200);
  assert.is(cancelled.body.state, 'cancelled');
  assert.is(manifestStatus('queue-b'), undefined, 'a cancelled queued run never started');
  await firstBatch(d, a.body.id);
  assert.is(manifestStatus('queue-a'), 'running');
  assert.is((await call(d, 'DELETE', `/api/jobs/${a.body.id}`)).status, 200);
  const ended = await d.jobs.wait(a.body.id);
  assert.is(ended.state, 'cancelled');
  assert.is(manifestStatus('queue-a'), 'cancelled');
  assert.is((await call(d, 'DELETE', '/api/jobs/job-999')).status, 404);
  // Positive control: the queue is free again and a run completes.
  const ok = await call(d, 'POST', '/api/jobs', run('queue-ok'));
  assert.is(ok.status, 202);
  assert.is((await d.jobs.wait(ok.body.id)).state, 'complete');
  assert.is(manifestStatus('queue-ok'), 'complete');
});

test('model loads for the form are bounded too: two at once, the queue, then 429', async () => {
  const d = await dashboard({ maxQueued: 1 });
  // Five different models (by their class names), so none is answered from the probe cache.
  const answers = await Promise.all(
    [1, 2, 3, 4, 5].map((i) =>
      call(d, 'POST', '/api/jobs/outputs', {
        plugin: 'layers-model',
        options: { path: 'model.json', classNames: [`a${i}`, 'b', 'c'] },
      })
    ),
  );
  const statuses = answers.map((a) => a.status).sort();
  assert.equal(statuses, [200, 200, 200, 429, 429], JSON.stringify(answers.map((a) => a.body.error ?? 'ok')));
  assert.match(answers.find((a) => a.status === 429)!.body.error, /too many models are being loaded at once/);
});

test('a run past its time limit is stopped and marked failed, never left running', async () => {
  const d = await dashboard({ jobTimeoutMs: 6000 });
  const a = await call(
    d,
    'POST',
    '/api/jobs',
    run('slow-timeout', 100_000, { dataset: { plugin: 'npy', options: { x: 'x.npy', y: 'y.npy' }, batchSize: 1 } }),
  );
  assert.is(a.status, 202, JSON.stringify(a.body));
  const ended = await d.jobs.wait(a.body.id);
  assert.is(ended.state, 'failed');
  assert.match(ended.error ?? '', /time limit of 6 s \(--job-timeout\)/);
  const status = manifestStatus('slow-timeout');
  assert.ok(status === undefined || status === 'failed', `run left ${status}`);
});

test('a run that runs out of its heap fails with a message; the server stays up', async () => {
  const d = await dashboard({ jobMemoryMb: 16 });
  const a = await call(d, 'POST', '/api/jobs', run('oom'));
  // The model probe has a heap of its own (at least 512 MiB); the run gets 16 MiB.
  assert.is(a.status, 202, JSON.stringify(a.body));
  const ended = await d.jobs.wait(a.body.id);
  assert.is(ended.state, 'failed');
  assert.match(ended.error ?? '', /^the run ran out of memory \(heap limit 16 MiB, --job-memory\)/);
  assert.ok(manifestStatus('oom') !== 'running');
  assert.is((await call(d, 'GET', '/api/runs')).status, 200);
});

test('a request for absurd work is refused with the figures before any run starts', async () => {
  const d = await dashboard({ maxEvaluations: 1e6 });
  const huge = (steps: number, limit?: number) =>
    run('huge', false, {
      methods: [{ plugin: 'integrated-gradients', options: { steps } }],
      dataset: { plugin: 'npy', options: { x: 'x.npy' }, batchSize: 4, ...(limit ? { limit } : {}) },
    });
  const one = await call(d, 'POST', '/api/jobs', huge(1_000_000_000));
  assert.is(one.status, 400);
  assert.match(
    one.body.error,
    /too much work: 2,000,000,002 model evaluations per sample, over the limit of 1,000,000 \(--max-evaluations\)/,
  );
  const many = await call(d, 'POST', '/api/jobs', huge(100_000, 12));
  assert.is(many.status, 400);
  assert.match(many.body.error, /200,002 model evaluations per sample x 12 samples = 2,400,024/);
  // Without a limit the dataset's size is known only in the run: the run refuses itself, unstarted.
  const unbounded = await call(d, 'POST', '/api/jobs', huge(100_000));
  assert.is(unbounded.status, 202);
  const ended = await d.jobs.wait(unbounded.body.id);
  assert.is(ended.state, 'failed');
  assert.match(ended.error ?? '', /too much work: .* x 12 samples/);
  assert.is(manifestStatus('huge'), undefined);
  const fine = await call(d, 'POST', '/api/jobs', huge(20, 12));
  assert.is(fine.status, 202, JSON.stringify(fine.body));
  assert.is((await d.jobs.wait(fine.body.id)).state, 'complete');
});

test.run();
