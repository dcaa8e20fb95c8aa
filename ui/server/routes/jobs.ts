import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import {
  AccessError,
  type AttributionNeed,
  checkBudget,
  confineRun,
  evaluationsPerSample,
  GradlensError,
  type MethodCost,
  newRunId,
  parsePluginOptions,
  prepareMethod,
  type Registry,
  type RunPlugins,
  RunRequest,
  type RunStore,
  unmetNeeds,
  Workspace,
} from '../../../core/index.ts';
import {
  DEFAULT_MAX_EVALUATIONS,
  type JobManager,
  ProbeError,
  QueueFullError,
  registeredModule,
} from '../jobs/jobs.ts';
import { notFound } from '../lib/errors.ts';
import { JobParam, parseOr400 } from '../lib/params.ts';

/**
 * `POST /api/jobs` queues a run (202 with its job and run ids; 429 when the queue is full);
 * `GET /api/jobs[/:job]` reports; `DELETE /api/jobs/:job` cancels; `GET /api/jobs/:job/events`
 * streams its progress (server-sent events); `POST /api/jobs/outputs` lists a model's heads
 * (`{ plugin, options }` -> `{ outputs }`). Every path in a request is confined to the workspace
 * and every option that loads code refused before a process starts.
 */
export function jobRoutes(store: RunStore, registry: Registry | undefined, jobs: JobManager | undefined): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    if (!jobs || !registry) throw new HTTPException(501, { message: 'this server was started without a run launcher' });
    const parsed = parseOr400(RunRequest, await jsonBody(c), 'run');
    const request = confined(registry, jobs, parsed);
    const methods = checkPlugins(registry, request);
    const id = request.id ?? newRunId('ui');
    if (store.has(id)) throw new HTTPException(409, { message: `a run '${id}' already exists; choose another id` });
    const probe = await probeOr400(jobs, request.model.plugin, request.model.options, request.model.output);
    const sampleShape = probe.inputShape.map((d) => d ?? 1);
    as400(() =>
      checkBudget(
        evaluationsPerSample(methods.map((m) => m.cost(sampleShape))),
        request.dataset.limit,
        jobs.options.maxEvaluations ?? DEFAULT_MAX_EVALUATIONS,
        'invalid run: methods',
      )
    );
    methods.forEach(({ name, needs }, i) => {
      const reasons = unmetNeeds(needs, probe.capabilities);
      if (reasons.length > 0) {
        throw new HTTPException(400, {
          message: `invalid run: methods[${i}]: '${name}' cannot explain this model: it ${reasons.join('; it ')}`,
        });
      }
    });
    try {
      return c.json(jobs.start({ ...request, id, runsDir: store.root }), 202);
    } catch (error) {
      if (error instanceof QueueFullError) throw new HTTPException(429, { message: error.message });
      throw error;
    }
  });
  app.get('/', (c) => c.json({ jobs: jobs?.list() ?? [] }));
  // A model's heads and capabilities, loaded in a child process: what the run form offers.
  app.post('/outputs', async (c) => {
    if (!jobs || !registry) throw new HTTPException(501, { message: 'this server was started without a run launcher' });
    const parsed = parseOr400(ModelRequest, await jsonBody(c), 'model');
    const options = confined(registry, jobs, { model: parsed }).model.options;
    const request = { ...parsed, options };
    checkModel(registry, request.plugin, request.options);
    return c.json(await probeOr400(jobs, request.plugin, request.options, request.output));
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
          if (info.state !== 'running' && info.state !== 'queued') {
            await stream.writeSSE({ event: 'end', data: info.state });
            break;
          }
          // Wait for a change, with a comment now and then to keep proxies from closing the stream.
          await new Promise<void>((r) => {
            const timer = setTimeout(r, 15_000);
            wake = () => (clearTimeout(timer), r());
          });
          if (!stream.aborted && !jobs.get(job)!.finishedAt && JSON.stringify(jobs.get(job)) === sent) {
            await stream.write(': keep-alive\n\n');
          }
        }
      } finally {
        unwatch();
      }
    });
  });
  app.delete('/:job', (c) => {
    const { job } = parseOr400(JobParam, c.req.param(), 'job id');
    const info = jobs?.cancel(job);
    if (!info) throw notFound(`no job '${job}'`);
    return c.json(info);
  });
  app.get('/:job', (c) => {
    const { job } = parseOr400(JobParam, c.req.param(), 'job id');
    const info = jobs?.get(job);
    if (!info) throw notFound(`no job '${job}'`);
    return c.json(info);
  });
  return app;
}

const ModelRequest = z.object({
  plugin: z.string().min(1),
  options: z.record(z.string(), z.unknown()).default({}),
  output: z.union([z.string(), z.number().int().nonnegative()]).optional(),
}).strict();

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

async function probeOr400(
  jobs: JobManager,
  plugin: string,
  options: Record<string, unknown>,
  output?: string | number,
) {
  try {
    return await jobs.probe(plugin, options, output);
  } catch (error) {
    if (error instanceof ProbeError && error.access) throw new AccessError(error.message);
    if (error instanceof QueueFullError) throw new HTTPException(429, { message: error.message });
    throw new HTTPException(400, { message: `cannot load the model: ${(error as Error).message}` });
  }
}

/**
 * The request with every path option replaced by its real path inside the workspace; a path
 * outside it, or an option naming code not registered at start, is a 403 (AccessError).
 */
function confined<T extends RunPlugins>(registry: Registry, jobs: JobManager, request: T): T {
  const { baseDir, pluginModules } = jobs.options;
  const workspace = jobs.options.workspace ?? new Workspace([baseDir]);
  return as400(() =>
    confineRun(registry, request, {
      workspace,
      baseDir,
      allowCode: registeredModule(pluginModules, baseDir),
      mustExist: true,
    })
  );
}

/** Plugin errors (unknown name, bad options) as 400s, checked before a process starts. */
function as400<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof AccessError) throw error;
    if (error instanceof GradlensError) {
      throw new HTTPException(400, {
        message: error.message.startsWith('invalid') ? error.message : `invalid run: ${error.message}`,
      });
    }
    throw error;
  }
}

function checkModel(registry: Registry, name: string, options: unknown): void {
  as400(() => {
    const plugin = registry.get('model', name);
    parsePluginOptions(plugin.options, options, `model.options (${plugin.name})`);
  });
}

/**
 * Every plugin named must exist and accept its options (wrapped methods included), checked with
 * the planner's own parsing before a process starts. Returns each method's name and needs.
 */
function checkPlugins(
  registry: Registry,
  request: RunRequest,
): { name: string; needs: AttributionNeed[]; cost(sampleShape: number[]): MethodCost | undefined }[] {
  checkModel(registry, request.model.plugin, request.model.options);
  return as400(() => {
    const dataset = registry.get('dataset', request.dataset.plugin);
    parsePluginOptions(dataset.options, request.dataset.options, `dataset.options (${dataset.name})`);
    return request.methods.map((m, i) => {
      const plugin = registry.get('attribution', m.plugin);
      const prepared = prepareMethod(plugin, m.options, `methods[${i}].options (${plugin.name})`, {
        resolve: (name) => registry.get('attribution', name),
      });
      return { name: plugin.name, needs: prepared.needs, cost: (shape: number[]) => prepared.cost(shape) };
    });
  });
}
