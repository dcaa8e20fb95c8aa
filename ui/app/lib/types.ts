/** Shapes of the API's answers, as the page uses them. */
import type { AttributionNeed, Manifest, MetricNeed, ModelCapabilities, RunSummary } from '../../../core/index.ts';
import type { ArrayData } from '../../render/batch.ts';

export type { Manifest, RunSummary };

export interface Samples {
  run: string;
  batch: number;
  size: number;
  ids: string[];
  labels: number[] | null;
  targets: number[] | null;
  predictions: number[];
  probabilities: number[][];
  classNames: string[] | null;
  stats: Record<string, Record<string, number[]>>;
}

export interface LoadedBatch {
  run: string;
  index: number;
  samples: Samples;
  inputs: ArrayData;
  maps: Record<string, ArrayData>;
}

export interface PluginInfo {
  name: string;
  description: string;
  schema: JsonSchema | null;
  signed?: boolean;
  defaults?: { abs?: boolean; reduce?: string };
  /** What an attribution method needs from a model. */
  needs?: AttributionNeed[];
  /** Options naming another method (wrappers): its default and what it must need. */
  wraps?: Record<string, { default: string; requires: AttributionNeed[] }>;
}

/** What `POST /api/jobs/outputs` reports of a model: its heads and what it offers the methods. */
export interface ModelProbe {
  outputs: { name: string; shape: (number | null)[]; scores: string }[];
  output: string;
  capabilities: ModelCapabilities;
}

export interface Plugins {
  models: PluginInfo[];
  datasets: PluginInfo[];
  attributions: PluginInfo[];
  /** Metrics judging a run's maps (absent from an older server). */
  metrics?: MetricInfo[];
}

/** A metric plugin as `GET /api/plugins` lists it. */
export interface MetricInfo {
  name: string;
  description: string;
  schema: JsonSchema | null;
  category: string;
  needs: MetricNeed[];
  higherIsBetter: boolean;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  items?: JsonSchema;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  anyOf?: JsonSchema[];
  /** Marks set by the plugin (core/plugins/option-marks.ts): a path to pick, code never asked for. */
  'x-gradlens-path'?: 'file' | 'dir';
  'x-gradlens-ending'?: string;
  'x-gradlens-code'?: boolean;
}

/** A run's choices the form can start from (a config under the workspace, or an earlier run). */
export interface WorkspaceChoice {
  source: string;
  model: { plugin: string; options: Record<string, unknown>; output?: string | number };
  dataset: { plugin: string; options: Record<string, unknown>; batchSize?: number; limit?: number };
  methods: { plugin: string; options: Record<string, unknown>; id?: string; abs?: boolean; reduce?: string }[];
  metrics?: { plugin: string; options?: Record<string, unknown> }[];
}

/** `GET /api/workspace`: the allowed folders and what the form may start from. */
export interface WorkspaceInfo {
  roots: string[];
  configs: WorkspaceChoice[];
  runs: WorkspaceChoice[];
}

/** `GET /api/workspace/files`: one folder under an allowed root. */
export interface FolderListing {
  dir: string;
  parent: string | null;
  roots: string[];
  entries: { name: string; path: string; kind: 'file' | 'dir'; size?: number }[];
  truncated: boolean;
}

export interface JobInfo {
  id: string;
  runId: string;
  state: 'queued' | 'running' | 'complete' | 'failed' | 'cancelled';
  /** Place in the queue while queued: 1 runs next. */
  position?: number;
  error?: string;
}

export interface Settings {
  cmap: 'auto' | 'hot' | 'inferno' | 'viridis' | 'grey' | 'diverging';
  overlay: boolean;
  opacity: number;
  norm: 'map' | 'column';
  clip: number;
  filter: string;
  sort: 'index' | 'confidence' | 'loss' | 'disagreement' | `metric:${string}`;
}
