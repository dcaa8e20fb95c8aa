import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { TargetRule } from '../attribution/targets.ts';
import { ChannelReductionSchema } from '../attribution/reduce.ts';
import { describeZodIssues, GradlensError } from '../errors/errors.ts';
import { SafeId } from '../io/safe-id.ts';
import type { Same } from '../io/exact-type.ts';
import type { ChannelReduction } from '../plugins/types.ts';

const PluginRef = z.object({
  /** Registered plugin name. */
  plugin: z.string().min(1),
  /** Options validated by the plugin's own schema. */
  options: z.record(z.string(), z.unknown()).default({}),
});

const MethodConfigSchema = PluginRef.extend({
  /** Column name in the run (default: the plugin name; must be unique within a run). */
  id: SafeId.optional(),
  /** Take |map| before reducing (default: the method's convention). */
  abs: z.boolean().optional(),
  /** Channel reduction (default: max for unsigned image maps, sum for signed, none for sequences). */
  reduce: ChannelReductionSchema.optional(),
});

/** One method of a run: a plugin, its options, its column id and conventions. */
export interface MethodConfig {
  /** Registered plugin name. */
  plugin: string;
  /** Options validated by the plugin's own schema. */
  options: Record<string, unknown>;
  /** Column name in the run (default: the plugin name; must be unique within a run). */
  id?: string;
  /** Take |map| before reducing (default: the method's convention). */
  abs?: boolean;
  /** Channel reduction (default: max for unsigned image maps, sum for signed, none for sequences). */
  reduce?: ChannelReduction;
}
/** A method as written: options may be left out. */
export type MethodConfigInput = Omit<MethodConfig, 'options'> & { options?: Record<string, unknown> };
export const MethodConfig: z.ZodType<MethodConfig, MethodConfigInput> = MethodConfigSchema;

const MetricConfigSchema = PluginRef.extend({
  /** File and column name (default: the plugin name; must be unique within a run). */
  id: SafeId.optional(),
  /** Ids of the methods it judges (default: all of the run's). */
  methods: z.array(SafeId).min(1).optional(),
}).strict();

/** One metric of a run: a plugin, its options, its id and the methods it judges. */
export interface MetricConfig {
  /** Registered metric plugin name. */
  plugin: string;
  /** Options validated by the metric's own schema. */
  options: Record<string, unknown>;
  /** File and column name (default: the plugin name; must be unique within a run). */
  id?: string;
  /** Ids of the methods it judges (default: all of the run's). */
  methods?: string[];
}
/** A metric as written: options may be left out. */
export type MetricConfigInput = Omit<MetricConfig, 'options'> & { options?: Record<string, unknown> };
export const MetricConfig: z.ZodType<MetricConfig, MetricConfigInput> = MetricConfigSchema;

/**
 * The fields of a run config, before the checks across fields; `RunConfig` adds them, and the
 * dashboard's `RunRequest` derives from it.
 */
const RunConfigFields = z.object({
  /** Run identifier (default: derived from the time). */
  id: SafeId.optional(),
  /** Where runs are written (default `runs`, relative to the config file). */
  runsDir: z.string().default('runs'),
  /** Extra plugin modules to register, paths relative to the config file. */
  plugins: z.array(z.string()).default([]),
  model: PluginRef.extend({
    /** The output head holding class scores: name or index (default: the first). */
    output: z.union([z.string(), z.number().int().nonnegative()]).optional(),
  }),
  dataset: PluginRef.extend({
    batchSize: z.number().int().positive().default(64),
    /** At most this many samples. */
    limit: z.number().int().positive().optional(),
  }),
  methods: z.array(MethodConfigSchema).min(1, 'list at least one attribution method'),
  /** Metrics judging every batch's maps (written beside them; see docs/metrics.md). */
  metrics: z.array(MetricConfigSchema).optional(),
  /** Which class each map explains (default: the label when there are labels, else the prediction). */
  target: TargetRule.optional(),
  /** tfjs backend (default: auto). */
  backend: z.string().optional(),
}).strict();

/** Method ids name a run's columns and files: two methods may not share one. */
export function uniqueMethodIds(config: { methods: { id?: string; plugin: string }[] }, ctx: z.RefinementCtx): void {
  const ids = config.methods.map((m) => m.id ?? m.plugin);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) {
    ctx.addIssue({
      code: 'custom',
      path: ['methods'],
      message: `two methods are named '${dup}'; give one an 'id'`,
    });
  }
}

/** A run, as written in `run.json` or built from CLI flags (defaults filled in). */
export interface RunConfig {
  /** Run identifier (default: derived from the time). */
  id?: string;
  /** Where runs are written (default `runs`, relative to the config file). */
  runsDir: string;
  /** Extra plugin modules to register: paths relative to the config file, or package names. */
  plugins: string[];
  model: {
    plugin: string;
    options: Record<string, unknown>;
    /** The output head holding class scores: name or index (default: the first). */
    output?: string | number;
  };
  dataset: {
    plugin: string;
    options: Record<string, unknown>;
    /** Samples per batch (default 64). */
    batchSize: number;
    /** At most this many samples. */
    limit?: number;
  };
  methods: MethodConfig[];
  /** Metrics judging every batch's maps (written beside them; see docs/metrics.md). */
  metrics?: MetricConfig[];
  /** Which class each map explains (default: the label when there are labels, else the prediction). */
  target?: TargetRule;
  /** tfjs backend (default: auto). */
  backend?: string;
}

/** A run config as written: fields with defaults may be left out. */
export interface RunConfigInput {
  id?: string;
  runsDir?: string;
  plugins?: string[];
  model: { plugin: string; options?: Record<string, unknown>; output?: string | number };
  dataset: { plugin: string; options?: Record<string, unknown>; batchSize?: number; limit?: number };
  methods: MethodConfigInput[];
  metrics?: MetricConfigInput[];
  target?: TargetRule;
  backend?: string;
}

export const RunConfig: z.ZodType<RunConfig, RunConfigInput> = RunConfigFields.superRefine(uniqueMethodIds);

/**
 * A run as the dashboard may request it: the run config without `runsDir` (always the served
 * directory) and `plugins` (a request never names code to load), with bounds on its size.
 */
export type RunRequest = Omit<RunConfig, 'runsDir' | 'plugins'>;
export type RunRequestInput = Omit<RunConfigInput, 'runsDir' | 'plugins'>;
export const RunRequest: z.ZodType<RunRequest, RunRequestInput> = RunConfigFields.omit({ runsDir: true, plugins: true })
  .extend({
    dataset: RunConfigFields.shape.dataset.extend({ batchSize: z.number().int().min(1).max(4096) }),
    methods: RunConfigFields.shape.methods.max(16),
    metrics: z.array(MetricConfigSchema).max(16).optional(),
  }).superRefine(uniqueMethodIds);

// The interfaces above are what the schemas give, exactly.
const pinned: [
  Same<z.output<typeof RunConfigFields>, RunConfig>,
  Same<z.input<typeof RunConfigFields>, RunConfigInput>,
  Same<z.output<typeof MethodConfigSchema>, MethodConfig>,
  Same<z.output<typeof MetricConfigSchema>, MetricConfig>,
] = [true, true, true, true];

void pinned;

/** Validates a config object; errors name the failing field and the source. */
export function parseRunConfig(value: unknown, source: string = 'config'): RunConfig {
  const result = RunConfig.safeParse(value);
  if (!result.success) {
    throw new GradlensError(`invalid run config: ${describeZodIssues(result.error.issues)}`, { where: source });
  }
  return result.data;
}

/** A new run id from the time, e.g. `run-20261201-112108-k3xq` (`prefix` replaces `run`). */
export function newRunId(prefix: string = 'run'): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${prefix}-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Reads and validates `run.json`; returns the config and the directory paths resolve against. */
export function readRunConfig(path: string): { config: RunConfig; baseDir: string } {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new GradlensError('config file not found or unreadable', { where: file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GradlensError(`config is not valid JSON (${(error as Error).message})`, { where: file });
  }
  return { config: parseRunConfig(json, file), baseDir: dirname(file) };
}
