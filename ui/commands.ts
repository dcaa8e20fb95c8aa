/**
 * The dashboard's CLI commands: `serve` (a runs directory) and `start` (the embedded example,
 * computed first when the runs directory is empty). Both print the URL and serve until Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Command, CommandContext } from '../core/index.ts';
import type { Dashboard, DashboardOptions } from './server/dashboard.ts';

/**
 * The default example `start` runs when there is nothing to show, in the repository's examples/:
 * beside ui/ when running from the sources, two levels up when running the compiled dist/ui/ (as
 * `npm start` does). The npm package ships no example data, so there it is absent.
 */
export const DEFAULT_EXAMPLE: string = [
  '../examples/fashion-mnist/run.json',
  '../../examples/fashion-mnist/run.json',
].map((p) => fileURLToPath(new URL(p, import.meta.url))).find((p) => existsSync(p)) ??
  fileURLToPath(new URL('../examples/fashion-mnist/run.json', import.meta.url));

const FLAGS = {
  runs: { type: 'string', default: 'runs' },
  port: { type: 'string', default: '7860' },
  host: { type: 'string', default: '127.0.0.1' },
  open: { type: 'boolean', default: false },
  token: { type: 'string' },
  allow: { type: 'string', multiple: true },
  plugin: { type: 'string', multiple: true },
  jobs: { type: 'string', default: '1' },
  queue: { type: 'string', default: '16' },
  'job-timeout': { type: 'string', default: '3600' },
  'job-memory': { type: 'string', default: '4096' },
  'max-evaluations': { type: 'string', default: '1e8' },
} as const;

const COMMON = `  --runs DIR     runs directory (default ./runs)
  --port N       port (default 7860; 0 picks a free one)
  --host ADDR    address to bind (default 127.0.0.1; any other address requires a token)
  --token T      token required on every API call (generated and printed when binding elsewhere)
  --open         open the page in the default browser
  --allow DIR    a folder runs started from the page may read models, datasets and baselines
                 from, besides the current folder (repeatable); nothing outside is read
  --plugin MOD   a plugin module to register (repeatable); requests can name only plugins
                 registered at start, and never a module to load
  --jobs N       runs computed at once (default 1); the others wait in order
  --queue N      runs that may wait (default 16); more are refused with 429
  --job-timeout S  seconds a run may take before it is stopped and marked failed (default 3600)
  --job-memory MB  heap limit of a run's process (default 4096); a run that needs more fails
  --max-evaluations N  largest run a request may ask for: methods' model evaluations per
                 sample x samples (default 1e8); larger ones are refused with the figures`;

async function options(argv: string[]) {
  const { values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    const { GradlensError } = await import('../core/index.ts');
    throw new GradlensError(`expected a port number 0-65535, got '${values.port}'`, { where: '--port' });
  }
  const count = async (flag: string, text: string, min: number) => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < min || (flag !== '--max-evaluations' && !Number.isInteger(n))) {
      const { GradlensError } = await import('../core/index.ts');
      throw new GradlensError(
        `expected a ${flag === '--max-evaluations' ? 'number' : 'whole number'} >= ${min}, got '${text}'`,
        {
          where: flag,
        },
      );
    }
    return n;
  };
  const plugins = (values.plugin ?? []).map((p) => (p.startsWith('.') || isAbsolute(p) ? resolve(p) : p));
  return {
    runsDir: resolve(values.runs!),
    port,
    host: values.host!,
    open: values.open!,
    token: values.token,
    allow: (values.allow ?? []).map((dir) => resolve(dir)),
    plugins,
    jobs: await count('--jobs', values.jobs!, 1),
    maxQueued: await count('--queue', values.queue!, 0),
    jobTimeoutMs: (await count('--job-timeout', values['job-timeout']!, 1)) * 1000,
    jobMemoryMb: await count('--job-memory', values['job-memory']!, 64),
    maxEvaluations: await count('--max-evaluations', values['max-evaluations']!, 1),
  };
}

/** Runs started from the page are written there: refused (exit 2) before listening, writing nothing. */
async function assertRunsWritable(runsDir: string): Promise<void> {
  const { assertDirCanBeWritten } = await import('../core/index.ts');
  assertDirCanBeWritten(runsDir, '--runs');
}

/**
 * Starts the dashboard. From the sources (a clone) the page is built first when stale; an
 * installed package serves the page it was built with, and needs no build tool.
 */
async function dashboardFor(
  ctx: CommandContext,
  o: Omit<DashboardOptions, 'registry' | 'log'> & { plugins?: string[] },
): Promise<Dashboard> {
  if (import.meta.url.endsWith('.ts')) {
    // A name tsc does not follow: the page's build tool is not part of the package.
    const builder = './build.ts';
    await (await import(builder) as { ensureBuilt(log: (text: string) => void): Promise<boolean> }).ensureBuilt(
      ctx.stderr,
    );
  }
  const { startDashboard, BUILTIN_PLUGINS } = await import('./server/dashboard.ts');
  const registry = await ctx.registry();
  for (const module of o.plugins ?? []) await registry.registerModule(module, process.cwd());
  const { plugins, ...rest } = o;
  return await startDashboard({
    ...rest,
    registry,
    log: ctx.stderr,
    pluginModules: [BUILTIN_PLUGINS, ...(plugins ?? [])],
  });
}

async function serveUntilStopped(ctx: CommandContext, dashboard: Dashboard, open: boolean): Promise<number> {
  ctx.stdout(`gradlens dashboard: ${dashboard.url}\n`);
  if (dashboard.token) ctx.stderr('The token in this URL is needed by anyone who opens it; keep it private.\n');
  if (open) openBrowser(dashboard.url);
  ctx.stderr('Press Ctrl-C to stop.\n');
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await dashboard.close();
  return 0;
}

function openBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin'
    ? ['open', [url]]
    : process.platform === 'win32'
    ? ['cmd', ['/c', 'start', '', url]]
    : ['xdg-open', [url]];
  spawn(cmd, args, { stdio: 'ignore', detached: true }).on('error', () => {}).unref();
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the dashboard over a runs directory',
  usage:
    `gradlens serve [--runs DIR] [--port 7860] [--host 127.0.0.1] [--open] [--token T] [--allow DIR]...\n\n${COMMON}`,
  async run(ctx) {
    const o = await options(ctx.argv);
    await assertRunsWritable(o.runsDir);
    if (!existsSync(o.runsDir)) {
      ctx.stderr(`note: ${o.runsDir} does not exist yet; runs started from the page go there\n`);
    }
    const dashboard = await dashboardFor(ctx, o);
    return await serveUntilStopped(ctx, dashboard, o.open);
  },
};

export const startCommand: Command = {
  name: 'start',
  summary: 'open the dashboard on the default example (computed first if there is no run yet)',
  usage: `gradlens start [--runs DIR] [--port 7860] [--host 127.0.0.1] [--open] [--token T]

Serves the runs directory; when it holds no run, first computes the default example
(${DEFAULT_EXAMPLE}) with progress here and in the page.

${COMMON}`,
  async run(ctx) {
    const o = await options(ctx.argv);
    await assertRunsWritable(o.runsDir);
    const dashboard = await dashboardFor(ctx, o);
    const { formatDuration, GradlensError, readRunConfig } = await import('../core/index.ts');
    if (dashboard.store.list().length === 0) {
      if (!existsSync(DEFAULT_EXAMPLE)) {
        await dashboard.close();
        throw new GradlensError('the default example is missing; run `gradlens serve` over your own runs', {
          where: DEFAULT_EXAMPLE,
        });
      }
      const { config } = readRunConfig(DEFAULT_EXAMPLE);
      const id = config.id ?? 'fashion-mnist';
      ctx.stdout(`gradlens dashboard: ${dashboard.url} (computing the example run '${id}' first)\n`);
      const job = dashboard.jobs.start({ ...config, id, runsDir: dashboard.store.root }, dirname(DEFAULT_EXAMPLE), {
        confine: false,
      });
      let shown = -1;
      const timer = setInterval(() => {
        const p = dashboard.jobs.get(job.id)?.progress;
        if (!p || p.batchesDone === shown) return;
        shown = p.batchesDone;
        const of = p.batchesPlanned ? `/${p.batchesPlanned}` : '';
        const eta = p.etaMs === undefined ? '' : `, ETA ${formatDuration(p.etaMs)}`;
        ctx.stderr(
          `${ctx.isTTY ? '\r' : ''}example run: batch ${p.batchesDone}${of}, ${p.samplesDone} samples${eta}${
            ctx.isTTY ? '   ' : '\n'
          }`,
        );
      }, 1000);
      const done = await dashboard.jobs.wait(job.id);
      clearInterval(timer);
      ctx.stderr(ctx.isTTY ? '\n' : '');
      if (done.state !== 'complete') {
        ctx.stderr(`the example run failed: ${done.error}\nThe dashboard stays up to show what was written.\n`);
      } else {
        ctx.stderr(`example run '${id}' complete\n`);
      }
    }
    return await serveUntilStopped(ctx, dashboard, o.open);
  },
};

export const commands: Command[] = [serveCommand, startCommand];
export default commands;
