/**
 * The dashboard server: a plain Hono app over a runs directory that any runtime can serve
 * (see listen.ts). It holds no state that is not on disk, except the runs it launched.
 */
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { Registry, RunStore } from '../../core/index.ts';
import { guard } from './auth.ts';
import { notFound, onError } from './lib/errors.ts';
import type { JobManager } from './jobs/jobs.ts';
import { arrayRoutes } from './routes/arrays.ts';
import { assetRoutes } from './routes/assets.ts';
import { distributionRoutes } from './routes/distribution.ts';
import { jobRoutes } from './routes/jobs.ts';
import { metricRoutes } from './routes/metrics.ts';
import { pluginRoutes } from './routes/plugins.ts';
import { runRoutes } from './routes/runs.ts';
import { sampleRoutes } from './routes/samples.ts';
import { workspaceRoutes } from './routes/workspace.ts';
import { ServeCache } from './lib/serve-cache.ts';
import { whatIfRoutes } from './routes/whatif.ts';
import type { EngineManager } from './whatif/engine.ts';

export interface AppOptions {
  /** Plugins offered by the run form (and checked before a run starts). */
  registry?: Registry;
  /** Launches runs off the event loop; without it `POST /api/jobs` answers 501. */
  jobs?: JobManager;
  /** Required on every API call when set; without it only loopback host names are answered. */
  token?: string;
  /** What-if engines, one per run; without them the what-if endpoints answer 501. */
  engines?: EngineManager;
  /** The built page (default: ui/dist). */
  assetsDir?: string;
}

export const DIST = fileURLToPath(new URL('../dist/', import.meta.url));

export function createApp(store: RunStore, options: AppOptions = {}): Hono {
  const app = new Hono();
  app.onError(onError);
  // Set before the handler runs: headers added to a finished response would make the Node
  // adapter rebuild it (a copy of every body), which costs more than the answer itself.
  app.use('*', async (c, next) => {
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    await next();
  });
  // The page too: off loopback it needs the token (then held in a cookie), as Jupyter does.
  app.use('*', guard(options.token));
  app.route('/api/runs', runRoutes(store));
  // One cache for the batch JSON and the arrays, so a batch's files are read once.
  const cache = new ServeCache(store);
  app.route('/api/runs', sampleRoutes(store, cache));
  app.route('/api/runs', arrayRoutes(store, cache));
  app.route('/api/runs', metricRoutes(store));
  app.route('/api/runs', distributionRoutes(store));
  app.route('/api/runs', whatIfRoutes(store, options.engines));
  app.route('/api/plugins', pluginRoutes(options.registry));
  app.route('/api/jobs', jobRoutes(store, options.registry, options.jobs));
  app.route('/api/workspace', workspaceRoutes(store, options.registry, options.jobs));
  app.route('/', assetRoutes(options.assetsDir ?? DIST));
  app.notFound((c) => onError(notFound(`no such page or endpoint: ${c.req.method} ${new URL(c.req.url).pathname}`), c));
  return app;
}
