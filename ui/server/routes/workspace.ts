import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { Hono } from 'hono';
import { z } from 'zod';
import { confineRun, type Registry, RunConfig, type RunStore, Workspace } from '../../../core/index.ts';
import type { JobManager } from '../jobs/jobs.ts';
import { parseOr400 } from '../lib/params.ts';

/** How far below a root run configs are looked for, and how many are read at most. */
const CONFIG_DEPTH = 3;
const MAX_CONFIGS = 100;
const MAX_CONFIG_BYTES = 256 * 1024;
const MAX_ENTRIES = 2000;
/** Entries looked at while searching for configs, so a huge folder answers quickly all the same. */
const MAX_VISITED = 5000;
const SKIP = new Set(['node_modules', '.git', 'dist', 'build']);

/** A run's choices the form can start from, with every path absolute and inside the workspace. */
interface Choice {
  /** Where it comes from: a config file (relative to its root) or an earlier run's id. */
  source: string;
  model: { plugin: string; options: Record<string, unknown>; output?: string | number };
  dataset: { plugin: string; options: Record<string, unknown>; batchSize?: number; limit?: number };
  methods: { plugin: string; options: Record<string, unknown>; id?: string }[];
  metrics?: { plugin: string; options?: Record<string, unknown> }[];
}

const FilesQuery = z.object({ dir: z.string().max(4096).optional(), token: z.string().optional() }).strict();
const CheckQuery = z.object({
  path: z.string().min(1).max(4096),
  kind: z.enum(['file', 'dir']).default('file'),
  token: z.string().optional(),
}).strict();

/**
 * What the run form may offer, all of it inside the workspace: `GET /api/workspace` lists the
 * allowed roots, the run configs under them and the models and datasets of earlier runs;
 * `GET /api/workspace/files?dir=` lists one folder under a root (the server-side file picker).
 * Nothing outside the roots is listed, and a symlink leading out is not shown.
 */
export function workspaceRoutes(store: RunStore, registry: Registry | undefined, jobs: JobManager | undefined): Hono {
  const app = new Hono();
  const workspaceOf = () => jobs?.options.workspace ?? new Workspace([jobs?.options.baseDir ?? process.cwd()]);
  app.get('/', (c) => {
    const workspace = workspaceOf();
    if (!registry) return c.json({ roots: workspace.roots, configs: [], runs: [] });
    const usable = (choice: Choice, baseDir: string): Choice | undefined => {
      try {
        return { ...confineRun(registry, choice, { workspace, baseDir }), source: choice.source };
      } catch {
        return undefined; // names a plugin not registered here, code, or a path outside
      }
    };
    const configs: Choice[] = [];
    for (const file of configFiles(workspace)) {
      const choice = readConfig(file, workspace);
      const ok = choice && usable(choice, dirname(file));
      if (ok) configs.push(ok);
    }
    const runs: Choice[] = [];
    for (const summary of store.list()) {
      if (summary.status === 'broken') continue;
      try {
        const m = store.read(summary.id);
        const choice = usable({
          source: m.id,
          model: m.config.model,
          dataset: m.config.dataset,
          methods: m.config.methods,
          ...(m.config.metrics ? { metrics: m.config.metrics } : {}),
        }, m.baseDir);
        if (choice) runs.push(choice);
      } catch {
        // listed as broken elsewhere
      }
    }
    return c.json({ roots: workspace.roots, configs, runs });
  });
  // The form's instant check of a path, before anything loads: inside, there, and of the right kind.
  app.get('/check', (c) => {
    const workspace = workspaceOf();
    const q = parseOr400(CheckQuery, c.req.query(), 'query');
    const real = workspace.confine(q.path, jobs?.options.baseDir ?? workspace.roots[0], 'path');
    let isDir: boolean;
    try {
      isDir = statSync(real).isDirectory();
    } catch {
      return c.json(
        { error: `path: no such ${q.kind === 'dir' ? 'folder' : 'file'}: ${workspace.display(real)}` },
        404,
      );
    }
    if (isDir !== (q.kind === 'dir')) {
      return c.json({
        error: `path: ${workspace.display(real)} is a ${isDir ? 'folder' : 'file'}, not a ${
          q.kind === 'dir' ? 'folder' : 'file'
        }`,
      }, 400);
    }
    return c.json({ path: real });
  });
  app.get('/files', (c) => {
    const workspace = workspaceOf();
    const q = parseOr400(FilesQuery, c.req.query(), 'query');
    const dir = workspace.confine(q.dir ?? workspace.roots[0], workspace.roots[0], 'dir');
    let names: string[];
    try {
      if (!statSync(dir).isDirectory()) throw new Error();
      names = readdirSync(dir).sort();
    } catch {
      return c.json({ error: `dir: not a folder inside the workspace` }, 404);
    }
    const entries: { name: string; path: string; kind: 'file' | 'dir'; size?: number }[] = [];
    for (const name of names) {
      if (name.startsWith('.') || entries.length >= MAX_ENTRIES) continue;
      let real: string;
      try {
        real = workspace.confine(join(dir, name), dir, 'entry');
        const st = statSync(real);
        if (st.isDirectory()) entries.push({ name, path: real, kind: 'dir' });
        else if (st.isFile()) entries.push({ name, path: real, kind: 'file', size: st.size });
      } catch {
        // leads outside the workspace, or vanished
      }
    }
    const parent = dirname(dir);
    return c.json({
      dir,
      parent: workspace.roots.includes(dir) || !workspace.contains(parent) ? null : parent,
      roots: workspace.roots,
      entries,
      truncated: names.length > MAX_ENTRIES,
    });
  });
  return app;
}

/** JSON files under the roots, a few levels deep, that may be run configs. */
function configFiles(workspace: Workspace): string[] {
  const out: string[] = [];
  let visited = 0;
  const visit = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (out.length >= MAX_CONFIGS || ++visited > MAX_VISITED || name.startsWith('.') || SKIP.has(name)) continue;
      const path = join(dir, name);
      try {
        const st = statSync(path);
        if (st.isDirectory() && depth < CONFIG_DEPTH) visit(path, depth + 1);
        else if (st.isFile() && name.endsWith('.json') && st.size <= MAX_CONFIG_BYTES && name !== 'manifest.json') {
          out.push(workspace.confine(path, dir, 'config'));
        }
      } catch {
        // unreadable, or a link leading out
      }
    }
  };
  for (const root of workspace.roots) visit(root, 0);
  return out;
}

function readConfig(file: string, workspace: Workspace): Choice | undefined {
  try {
    const parsed = RunConfig.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success || parsed.data.plugins.length > 0) return undefined;
    const { model, dataset, methods, metrics } = parsed.data;
    return { source: workspace.display(file), model, dataset, methods, ...(metrics ? { metrics } : {}) };
  } catch {
    return undefined;
  }
}
