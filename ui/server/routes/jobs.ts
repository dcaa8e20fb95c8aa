import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { TargetRule } from '../../../core/attribution/targets.ts';
import { describeZodIssues } from '../../../core/errors/errors.ts';
import type { Registry } from '../../../core/plugins/registry.ts';
import { MethodConfig, SafeId } from '../../../core/runs/config.ts';
import type { RunStore } from '../../../core/runs/store.ts';
import { notFound } from '../lib/errors.ts';
import type { JobManager } from '../jobs/jobs.ts';
import { JobParam, parseOr400 } from '../lib/params.ts';

const Options = z.record(z.string(), z.unknown()).default({});

/**
 * A run requested from the page: a run config without `runsDir` (always the served
 * directory) and without `plugins` (the page may not import code).
 */
export const JobRequest = z.object({
  id: SafeId.optional(),
  model: z.object({
    plugin: z.string().min(1),
    options: Options,
    output: z.union([z.string(), z.number().int()]).optional(),
  })
    .strict(),
  dataset: z.object({
    plugin: z.string().min(1),
    options: Options,
    batchSize: z.number().int().min(1).max(4096),
    limit: z.number().int().positive().optional(),
  }).strict(),
  methods: z.array(MethodConfig).min(1, 'pick at least one method').max(16),
  target: TargetRule.optional(),
  backend: z.string().optional(),
}).strict();

/**
 * `POST /api/jobs` starts a run (202 with its job and run ids); `GET /api/jobs[/:job]` reports;
 * `GET /api/jobs/:job/events` streams its progress (server-sent events); `POST /api/jobs/outputs`
 * lists a model's heads (`{ plugin, options }` -> `{ outputs }`).
 */
export function jobRoutes(store: RunStore, registry: Registry | undefined, jobs: JobManager | undefined): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    if (!jobs || !registry) throw new HTTPException(501, { message: 'this server was started without a run launcher' });
    const request = parseOr400(JobRequest, await jsonBody(c), 'run');
    checkPlugins(registry, request);
    const ids = request.methods.map((m) => m.id ?? m.plugin);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup) throw new HTTPException(400, { message: `invalid run: two methods are named '${dup}'; give one an id` });
    const id = request.id ?? newId();
    if (store.has(id)) throw new HTTPException(409, { message: `a run '${id}' already exists; choose another id` });
    const job = jobs.start({ ...request, id, runsDir: store.root });
    return c.json(job, 202);
  });
  app.get('/', (c) => c.json({ jobs: jobs?.list() ?? [] }));
  // The heads of a model, loaded in a child process: what the run form offers as `output`.
  app.post('/outputs', async (c) => {
    if (!jobs || !registry) throw new HTTPException(501, { message: 'this server was started without a run launcher' });
    const request = parseOr400(ModelRequest, await jsonBody(c), 'model');
    checkPlugin(registry, 'model', request.plugin, request.options, 'model');
    try {
      return c.json({ outputs: await jobs.probeOutputs(request.plugin, request.options) });
    } catch (error) {
      throw new HTTPException(400, { message: `cannot load the model: ${(error as Error).message}` });
    }
  });
  // Server-sent events: `job` with the job's info now and on every change, then `end` once it has ended.
  app.get('/:job/events', (c) => {
    const { job } = parseOr400(JobParam, c.req.param(), 'job id');
    if (!jobs?.get(job)) throw notFound(`no job '${job}'`);
    return streamSSE(c, async (stream) => {
      let wake = () => {};
      const unwatch = jobs.watch(job, () => wake());
      stream.onAbort(() => wake());
      try {
        let sent = '';
        while (!stream.aborted) {
          const info = jobs.get(job)!;
          const data = JSON.stringify(info);
          if (data !== sent) await stream.writeSSE({ event: 'job', data });
          sent = data;
          if (info.state !== 'running') {
            await stream.writeSSE({ event: 'end', data: info.state });
            break;
          }
          // Wait for a change, with a comment now and then to keep proxies from closing the stream.
          await new Promise<void>((r) => {
            const timer = setTimeout(r, 15_000);
            wake = () => (clearTimeout(timer), r());
          });
          if (!stream.aborted && jobs.get(job)!.state === 'running' && JSON.stringify(jobs.get(job)) === sent) {
            await stream.write(': keep-alive\n\n');
          }
        }
      } finally {
        unwatch();
      }
    });
  });
  app.get('/:job', (c) => {
    const { job } = parseOr400(JobParam, c.req.param(), 'job id');
    const info = jobs?.get(job);
    if (!info) throw notFound(`no job '${job}'`);
    return c.json(info);
  });
  return app;
}

const ModelRequest = z.object({ plugin: z.string().min(1), options: Options }).strict();

async function jsonBody(c: Context): Promise<unknown> {
  if (!(c.req.header('content-type') ?? '').startsWith('application/json')) {
    throw new HTTPException(415, { message: 'send the run as JSON (Content-Type: application/json)' });
  }
  try {
    return await c.req.json();
  } catch {
    throw new HTTPException(400, { message: 'invalid run: body is not valid JSON' });
  }
}

/** A plugin named must exist and accept its options, checked before a process starts. */
function checkPlugin(
  registry: Registry,
  kind: 'model' | 'dataset' | 'attribution',
  name: string,
  options: unknown,
  where: string,
): void {
  if (!registry.has(kind, name)) {
    const known = registry.list(kind).map((p) => p.name).join(', ');
    throw new HTTPException(400, {
      message: `invalid run: ${where}: unknown ${kind} plugin '${name}'; known: ${known}`,
    });
  }
  const result = registry.get(kind, name).options.safeParse(options);
  if (!result.success) {
    throw new HTTPException(400, {
      message: `invalid run: ${where}.options: ${describeZodIssues(result.error.issues)}`,
    });
  }
}

/** Every plugin named must exist and accept its options, checked before a process starts. */
function checkPlugins(registry: Registry, request: z.infer<typeof JobRequest>): void {
  checkPlugin(registry, 'model', request.model.plugin, request.model.options, 'model');
  checkPlugin(registry, 'dataset', request.dataset.plugin, request.dataset.options, 'dataset');
  request.methods.forEach((m, i) => checkPlugin(registry, 'attribution', m.plugin, m.options, `methods[${i}]`));
}

function newId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `ui-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}
