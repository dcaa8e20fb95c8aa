import { existsSync } from 'node:fs';
import { AccessError, GradlensError } from '../errors/errors.ts';
import type { Registry } from '../plugins/registry.ts';
import type { AttributionPlugin } from '../plugins/types.ts';
import { markedOptions, replaceAt } from './marked-options.ts';
import type { Workspace } from './workspace.ts';

/** The parts of a run (or a model probe) whose options name files or code. */
export interface RunPlugins {
  model: { plugin: string; options?: Record<string, unknown> };
  dataset?: { plugin: string; options?: Record<string, unknown> };
  methods?: { plugin: string; options?: Record<string, unknown> }[];
  metrics?: { plugin: string; options?: Record<string, unknown> }[];
}

export interface ConfineSettings {
  workspace: Workspace;
  /** Folder relative paths resolve against. */
  baseDir: string;
  /** Whether a code option may name this module (only modules registered when the server started). */
  allowCode?: (value: string) => boolean;
  /** Refuse a path inside the workspace that does not exist (a 400 at once, not a failed run later). */
  mustExist?: boolean;
}

/**
 * Checks every option of a run that a plugin marks as a path or as code (model, dataset, methods
 * with the methods they wrap, metrics): paths must lie inside the workspace and come back as their real paths; code options
 * are refused unless `allowCode` accepts them. Plugins must exist (checked by the caller first).
 * Returns a copy with the paths replaced; throws AccessError naming the option.
 */
export function confineRun<T extends RunPlugins>(registry: Registry, run: T, settings: ConfineSettings): T {
  let out = run;
  const model = registry.get('model', run.model.plugin);
  out = {
    ...out,
    model: { ...run.model, options: confine(model.options, run.model.options, 'model.options', settings) },
  };
  if (run.dataset) {
    const dataset = registry.get('dataset', run.dataset.plugin);
    out = {
      ...out,
      dataset: { ...run.dataset, options: confine(dataset.options, run.dataset.options, 'dataset.options', settings) },
    };
  }
  if (run.methods) {
    out = {
      ...out,
      methods: run.methods.map((m, i) => ({
        ...m,
        options: confineMethod(
          registry,
          registry.get('attribution', m.plugin),
          m.options,
          `methods[${i}].options`,
          settings,
        ),
      })),
    };
  }
  if (run.metrics) {
    out = {
      ...out,
      metrics: run.metrics.map((m, i) => ({
        ...m,
        options: confine(registry.get('metric', m.plugin).options, m.options, `metrics[${i}].options`, settings),
      })),
    };
  }
  return out;
}

function confineMethod(
  registry: Registry,
  plugin: AttributionPlugin<unknown>,
  options: Record<string, unknown> | undefined,
  where: string,
  settings: ConfineSettings,
): Record<string, unknown> {
  let out = confine(plugin.options, options, where, settings);
  // A wrapper's option naming another method carries that method's options: check them too.
  for (const key of Object.keys(plugin.wraps ?? {})) {
    const ref = out[key];
    if (ref && typeof ref === 'object' && !Array.isArray(ref)) {
      const inner = ref as { plugin: string; options?: Record<string, unknown> };
      const wrapped = registry.get('attribution', inner.plugin);
      out = {
        ...out,
        [key]: {
          ...inner,
          options: confineMethod(registry, wrapped, inner.options, `${where}.${key}.options`, settings),
        },
      };
    }
  }
  return out;
}

function confine(
  schema: unknown,
  options: Record<string, unknown> | undefined,
  where: string,
  settings: ConfineSettings,
): Record<string, unknown> {
  let out = options ?? {};
  for (const marked of markedOptions(schema, out, where)) {
    const at = `${where}.${marked.at.join('.')}`;
    if (marked.kind === 'code') {
      if (!settings.allowCode?.(marked.value)) {
        throw new AccessError(
          'names code to load, which the dashboard never takes from a request; register it when starting the server (--plugin)',
          { where: at },
        );
      }
      continue;
    }
    const real = settings.workspace.confine(marked.value, settings.baseDir, at);
    if (settings.mustExist && !existsSync(real)) {
      throw new GradlensError(
        `no such ${marked.pathKind === 'dir' ? 'folder' : 'file'}: ${settings.workspace.display(real)}`,
        {
          where: at,
        },
      );
    }
    out = replaceAt(out, marked.at, real);
  }
  return out;
}
