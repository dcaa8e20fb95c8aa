import { z } from 'zod';
import { Conventions } from '../attribution/reduce.ts';
import { RunConfig } from './config.ts';
import { SafeId } from '../io/safe-id.ts';
import type { Same } from '../io/exact-type.ts';

/** Where a run stands: being written, finished, stopped early (resumable), or failed with a reason. */
export type RunStatus = 'running' | 'complete' | 'incomplete' | 'failed' | 'cancelled';
const RunStatusSchema = z.enum(['running', 'complete', 'incomplete', 'failed', 'cancelled']);
export const RunStatus: z.ZodType<RunStatus, RunStatus> = RunStatusSchema;

const Shape = z.array(z.number().int().nullable());

const BatchRecordSchema = z.object({
  index: z.number().int().nonnegative(),
  size: z.number().int().positive(),
  /** Milliseconds spent on the batch (forward pass and every method). */
  durationMs: z.number().nonnegative(),
  finishedAt: z.string(),
  /** Per-method time in milliseconds. */
  methodMs: z.record(z.string(), z.number()).default({}),
});

const MethodRecordSchema = z.object({
  id: SafeId,
  plugin: z.string(),
  options: z.record(z.string(), z.unknown()),
  description: z.string().optional(),
  reference: z.string().optional(),
  needs: z.array(z.string()),
  /** Whether the raw map carries a sign. */
  rawSigned: z.boolean(),
  /** Whether the stored maps carry a sign (raw sign and no abs). */
  signed: z.boolean(),
  conventions: Conventions,
  /** Shape of one stored map, without N. */
  mapShape: Shape,
  /** Names of per-sample statistics stored beside the maps. */
  perSample: z.array(z.string()).default([]),
  /** Model evaluations per sample, as the method declares them for this input shape. */
  cost: z.object({ forward: z.number(), backward: z.number() }).optional(),
});

const CurveRecordSchema = z.object({
  name: SafeId,
  x: z.array(z.number()),
  labels: z.array(z.string()).optional(),
  xLabel: z.string(),
  yLabel: z.string(),
});

const MetricRecordSchema = z.object({
  id: SafeId,
  plugin: z.string(),
  /** Its options as used: defaults filled, seed drawn (every convention the values depend on). */
  options: z.record(z.string(), z.unknown()),
  description: z.string().optional(),
  reference: z.string().optional(),
  category: z.string(),
  higherIsBetter: z.boolean(),
  needs: z.array(z.string()),
  /** Ids of the methods it judges. */
  methods: z.array(SafeId),
  /** The curves stored per sample beside the values, with their shared x axis. */
  curves: z.array(CurveRecordSchema).default([]),
  /** Further per-sample arrays stored beside the values: name and one sample's shape. */
  arrays: z.array(z.object({ name: SafeId, shape: z.array(z.number().int().nonnegative()) })).default([]),
  /** Batches evaluated so far. */
  batches: z.array(z.number().int().nonnegative()).default([]),
});

const ManifestSchema = z.object({
  format: z.literal('gradlens-run'),
  version: z.literal(1),
  id: SafeId,
  status: RunStatusSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  /** The process writing the run, to tell a live run from a killed one. */
  writer: z.object({ pid: z.number().int(), host: z.string() }).optional(),
  error: z.string().optional(),
  config: RunConfig,
  /** Directory the config's relative paths resolve against. */
  baseDir: z.string(),
  model: z.object({
    plugin: z.string(),
    options: z.record(z.string(), z.unknown()),
    inputShape: Shape,
    outputs: z.array(z.object({ name: z.string(), shape: Shape, scores: z.string(), note: z.string().optional() })),
    /** The head whose class scores are explained. */
    output: z.object({ name: z.string(), index: z.number().int(), scores: z.string(), note: z.string().optional() }),
    classNames: z.array(z.string()).optional(),
    numClasses: z.number().int().positive(),
    /** How probabilities were computed from the head. */
    probabilities: z.string(),
    details: z.record(z.string(), z.unknown()),
  }),
  dataset: z.object({
    plugin: z.string(),
    options: z.record(z.string(), z.unknown()),
    batchSize: z.number().int().positive(),
    limit: z.number().int().positive().optional(),
    size: z.number().int().nonnegative().optional(),
    sampleShape: z.array(z.number().int()),
    hasLabels: z.boolean(),
    /** The dataset's extra per-sample arrays stored with each batch: name and sample shape. */
    extra: z.record(SafeId, z.array(z.number().int().nonnegative())).default({}),
    details: z.record(z.string(), z.unknown()),
  }),
  target: z.object({ rule: z.string(), description: z.string() }),
  methods: z.array(MethodRecordSchema),
  /** Metrics judging the maps, from the config or added by `gradlens evaluate`. */
  metrics: z.array(MetricRecordSchema).optional(),
  backend: z.object({ name: z.string(), package: z.string(), details: z.record(z.string(), z.unknown()) }),
  versions: z.record(z.string(), z.string()),
  /** Batches planned, when the dataset's size is known. */
  plannedBatches: z.number().int().nonnegative().optional(),
  batches: z.array(BatchRecordSchema),
  /** A run split over processes that each record their own progress (see ../runs/shard.ts). */
  shards: z.object({ count: z.number().int().positive().max(4096) }).optional(),
  /** A run whose batches are jobs on a BullMQ queue (see ../queue/). */
  queue: z.object({ name: z.string(), batchesPerJob: z.number().int().positive(), attempts: z.number().int() })
    .optional(),
});

/** A shape without N; null entries are sizes the model leaves open. */
export type Shape = (number | null)[];

/** One finished batch of a run. */
export interface BatchRecord {
  index: number;
  size: number;
  /** Milliseconds spent on the batch (forward pass and every method). */
  durationMs: number;
  finishedAt: string;
  /** Per-method time in milliseconds. */
  methodMs: Record<string, number>;
}
export const BatchRecord: z.ZodType<BatchRecord> = BatchRecordSchema;

/** One method of a run, as planned and as computed. */
export interface MethodRecord {
  id: string;
  plugin: string;
  /** Its options as used: defaults filled, seeds drawn, wrapped methods in full. */
  options: Record<string, unknown>;
  description?: string;
  reference?: string;
  /** What it needs from a model (its own and those of what it wraps). */
  needs: string[];
  /** Whether the raw map carries a sign. */
  rawSigned: boolean;
  /** Whether the stored maps carry a sign (raw sign and no abs). */
  signed: boolean;
  conventions: Conventions;
  /** Shape of one stored map, without N. */
  mapShape: Shape;
  /** Names of per-sample statistics stored beside the maps. */
  perSample: string[];
  /** Model evaluations per sample, as the method declares them for this input shape. */
  cost?: { forward: number; backward: number };
}
export const MethodRecord: z.ZodType<MethodRecord> = MethodRecordSchema;

/** A curve a metric stores per sample: its x axis is shared by every sample. */
export interface CurveRecord {
  name: string;
  x: number[];
  /** Names of the x positions when they are not numbers (e.g. layers). */
  labels?: string[];
  xLabel: string;
  yLabel: string;
}
export const CurveRecord: z.ZodType<CurveRecord> = CurveRecordSchema;

/** One metric of a run, as planned and as evaluated. */
export interface MetricRecord {
  id: string;
  plugin: string;
  /** Its options as used: defaults filled, seed drawn (every convention the values depend on). */
  options: Record<string, unknown>;
  description?: string;
  reference?: string;
  category: string;
  higherIsBetter: boolean;
  needs: string[];
  /** Ids of the methods it judges. */
  methods: string[];
  /** The curves stored per sample beside the values, with their shared x axis. */
  curves: CurveRecord[];
  /** Further per-sample arrays stored beside the values: name and one sample's shape. */
  arrays: { name: string; shape: number[] }[];
  /** Batches evaluated so far. */
  batches: number[];
}
export const MetricRecord: z.ZodType<MetricRecord> = MetricRecordSchema;

/** `runs/<id>/manifest.json`: everything needed to read, show and reproduce a run. */
export interface Manifest {
  format: 'gradlens-run';
  version: 1;
  id: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** The process writing the run, to tell a live run from a killed one. */
  writer?: { pid: number; host: string };
  error?: string;
  config: RunConfig;
  /** Directory the config's relative paths resolve against. */
  baseDir: string;
  model: {
    plugin: string;
    options: Record<string, unknown>;
    inputShape: Shape;
    outputs: { name: string; shape: Shape; scores: string; note?: string }[];
    /** The head whose class scores are explained. */
    output: { name: string; index: number; scores: string; note?: string };
    classNames?: string[];
    numClasses: number;
    /** How probabilities were computed from the head. */
    probabilities: string;
    details: Record<string, unknown>;
  };
  dataset: {
    plugin: string;
    options: Record<string, unknown>;
    batchSize: number;
    limit?: number;
    size?: number;
    sampleShape: number[];
    hasLabels: boolean;
    /** The dataset's extra per-sample arrays stored with each batch: name and sample shape. */
    extra: Record<string, number[]>;
    details: Record<string, unknown>;
  };
  target: { rule: string; description: string };
  methods: MethodRecord[];
  /** Metrics judging the maps, from the config or added by `gradlens evaluate`. */
  metrics?: MetricRecord[];
  backend: { name: string; package: string; details: Record<string, unknown> };
  /** gradlens, tfjs and the runtime. */
  versions: Record<string, string>;
  /** Batches planned, when the dataset's size is known. */
  plannedBatches?: number;
  batches: BatchRecord[];
  /** A run split over processes that each record their own progress (see ../runs/shard.ts). */
  shards?: { count: number };
  /** A run whose batches are jobs on a BullMQ queue (see ../queue/). */
  queue?: { name: string; batchesPerJob: number; attempts: number };
}
export const Manifest: z.ZodType<Manifest> = ManifestSchema;

// The interfaces above are what the schemas give, exactly.
const pinned: [
  Same<z.output<typeof ManifestSchema>, Manifest>,
  Same<z.output<typeof MethodRecordSchema>, MethodRecord>,
  Same<z.output<typeof BatchRecordSchema>, BatchRecord>,
  Same<z.output<typeof MetricRecordSchema>, MetricRecord>,
  Same<z.output<typeof CurveRecordSchema>, CurveRecord>,
] = [true, true, true, true, true];
void pinned;

/** The files of one batch, relative to the batch directory. */
export const BATCH_FILES = {
  inputs: 'inputs.npy',
  labels: 'labels.npy',
  targets: 'targets.npy',
  predictions: 'predictions.npy',
  probabilities: 'probabilities.npy',
  ids: 'ids.json',
} as const;

/** File of a method's maps within a batch directory. */
export function mapFile(methodId: string): string {
  return `maps/${methodId}.npy`;
}

/** File of one of the dataset's extra arrays within a batch directory. */
export function extraFile(name: string): string {
  return `extra/${name}.npy`;
}

/** File of a method's per-sample statistic within a batch directory. */
export function statFile(methodId: string, stat: string): string {
  return `stats/${methodId}.${stat}.npy`;
}

/** File of a metric's per-sample values `[N]` for one method, within a batch directory. */
export function metricFile(methodId: string, metricId: string): string {
  return `metrics/${methodId}.${metricId}.npy`;
}

/** File of a metric's curve `[N, K]` for one method, within a batch directory. */
export function curveFile(methodId: string, metricId: string, curve: string): string {
  return `metrics/${methodId}.${metricId}.${curve}.npy`;
}

/** Batch directory name: zero-padded index so listings sort. */
export function batchDirName(index: number): string {
  return String(index).padStart(5, '0');
}
