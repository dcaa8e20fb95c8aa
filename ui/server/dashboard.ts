/**
 * A running dashboard: the app over a runs directory, its run launcher and its listener.
 * Shared by the `serve` and `start` commands, the browser tests and the bench.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { GradlensError, moduleUrl, type Registry, RunStore, Workspace } from '../../core/index.ts';
import { createApp } from './app.ts';
import { isLoopback } from './auth.ts';
import { JobManager } from './jobs/jobs.ts';
import { listen } from './listen.ts';
import { EngineManager } from './whatif/engine.ts';

/** The built-in plugins' module, registered by the run processes the dashboard starts. */
export const BUILTIN_PLUGINS = fileURLToPath(moduleUrl('../../plugins/index.ts', import.meta.url));

export interface DashboardOptions {
  runsDir: string;
  host?: string;
  port?: number;
  token?: string;
  registry?: Registry;
  /** Directory relative paths of runs started from the page resolve against (default: cwd). */
  baseDir?: string;
  /** Plugin modules run processes register (default: the built-ins). */
  pluginModules?: string[];
  /** Folders requests may read models, datasets and baselines from, besides `baseDir`. */
  allow?: string[];
  /** Runs computed at once (default 1). */
  jobs?: number;
  /** Runs that may wait (default 16). */
  maxQueued?: number;
  /** Time limit of one run in ms (default one hour). */
  jobTimeoutMs?: number;
  /** Heap limit of a run's process in MiB (default 4096). */
  jobMemoryMb?: number;
  /** Largest run a request may ask for, in model evaluations (default 1e8). */
  maxEvaluations?: number;
  log?: (text: string) => void;
}

export interface Dashboard {
  /** The URL to open, with `?token=` when there is one. */
  url: string;
  port: number;
  token?: string;
  store: RunStore;
  jobs: JobManager;
  engines: EngineManager;
  close(): Promise<void>;
}

/** The token a non-loopback bind requires: the given one, or a new random one. */
export function tokenFor(host: string, given?: string): string | undefined {
  if (given !== undefined) {
    if (given.length < 8) throw new GradlensError('a token needs at least 8 characters', { where: '--token' });
    return given;
  }
  return isLoopback(host) ? undefined : randomBytes(24).toString('hex');
}

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const host = o.host ?? '127.0.0.1';
  const token = tokenFor(host, o.token);
  const store = new RunStore(o.runsDir);
  const baseDir = o.baseDir ?? process.cwd();
  const jobs = new JobManager({
    baseDir,
    pluginModules: o.pluginModules ?? [BUILTIN_PLUGINS],
    workspace: new Workspace([baseDir, ...(o.allow ?? [])]),
    concurrency: o.jobs,
    maxQueued: o.maxQueued,
    timeoutMs: o.jobTimeoutMs,
    maxHeapMb: o.jobMemoryMb,
    maxEvaluations: o.maxEvaluations,
    store,
  });
  const engines = new EngineManager({ runsDir: store.root, pluginModules: o.pluginModules ?? [BUILTIN_PLUGINS] });
  const app = createApp(store, { registry: o.registry, jobs, engines, token });
  let listener;
  try {
    listener = await listen(app, host, o.port ?? 7860);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE' || (error as Error).name === 'AddrInUse') {
      throw new GradlensError(`port ${o.port} is already in use; pick another with --port`, { where: '--port' });
    }
    throw error;
  }
  const url = token ? `${listener.url}?token=${token}` : listener.url;
  return {
    url,
    port: listener.port,
    token,
    store,
    jobs,
    engines,
    close: async () => {
      jobs.stopAll();
      engines.close();
      await listener.close();
    },
  };
}
