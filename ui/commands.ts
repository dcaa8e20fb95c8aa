/**
 * The dashboard's CLI commands: `serve` (a runs directory) and `start` (the embedded example,
 * computed first when the runs directory is empty). Both print the URL and serve until Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Command, CommandContext } from '../core/index.ts';
import type { Dashboard, DashboardOptions } from './server/dashboard.ts';

/** The default example `start` runs when there is nothing to show. */
export const DEFAULT_EXAMPLE = fileURLToPath(new URL('../examples/fashion-mnist/run.json', import.meta.url));

const FLAGS = {
  runs: { type: 'string', default: 'runs' },
  port: { type: 'string', default: '7860' },
  host: { type: 'string', default: '127.0.0.1' },
  open: { type: 'boolean', default: false },
  token: { type: 'string' },
} as const;

const COMMON = `  --runs DIR     runs directory (default ./runs)
  --port N       port (default 7860; 0 picks a free one)
  --host ADDR    address to bind (default 127.0.0.1; any other address requires a token)
  --token T      token required on every API call (generated and printed when binding elsewhere)
  --open         open the page in the default browser`;

async function options(argv: string[]) {
  const { values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    const { GradlensError } = await import('../core/index.ts');
    throw new GradlensError(`expected a port number 0-65535, got '${values.port}'`, { where: '--port' });
  }
  return { runsDir: resolve(values.runs!), port, host: values.host!, open: values.open!, token: values.token };
}

/**
 * Starts the dashboard. From the sources (a clone) the page is built first when stale; an
 * installed package serves the page it was built with, and needs no build tool.
 */
async function dashboardFor(ctx: CommandContext, o: Omit<DashboardOptions, 'registry' | 'log'>): Promise<Dashboard> {
  if (import.meta.url.endsWith('.ts')) {
    // A name tsc does not follow: the page's build tool is not part of the package.
    const builder = './build.ts';
    await (await import(builder) as { ensureBuilt(log: (text: string) => void): Promise<boolean> }).ensureBuilt(
      ctx.stderr,
    );
  }
  const { startDashboard } = await import('./server/dashboard.ts');
  return await startDashboard({ ...o, registry: await ctx.registry(), log: ctx.stderr });
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
  usage: `gradlens serve [--runs DIR] [--port 7860] [--host 127.0.0.1] [--open] [--token T]\n\n${COMMON}`,
  async run(ctx) {
    const o = await options(ctx.argv);
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
      const job = dashboard.jobs.start({ ...config, id, runsDir: dashboard.store.root }, dirname(DEFAULT_EXAMPLE));
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
