/**
 * gradlens: attribution maps for TensorFlow.js models. The public API, in one place: what a
 * script, a test suite, a plugin or the dashboard uses. plugins/ and ui/ import core through this
 * module (the page through its tfjs-free part, ./browser.ts); everything else in core/ is
 * internal and may change.
 *
 * ```ts
 * import { attribute, initBackend, tf } from 'gradlens';
 * import { vanillaGradient } from 'gradlens/plugins';
 * await initBackend();
 * const { maps } = await attribute(myModel, x, { method: vanillaGradient, labels: y });
 * ```
 *
 * @module
 */

// The tfjs-free part (manifest types, colour maps, needs), shared with the dashboard's page.
export * from './browser.ts';

// ---- Tensors and engines -------------------------------------------------------------------

/** The tfjs namespace gradlens computes with: use it for tensors passed to gradlens. */
export { tf } from './tensor/tf.ts';
export { type BackendInfo, currentBackend, describeBackend, initBackend } from './engine/backend.ts';

// ---- Errors ----------------------------------------------------------------------------------

export { AccessError, describeZodIssues, GradlensError, isUserError } from './errors/errors.ts';

// ---- Plugins: the contracts, helpers to define them, the registry ---------------------------

export * from './plugins/types.ts';
export { defineAttribution, defineDataset, defineMetric, defineModelPlugin } from './plugins/define.ts';
export { MethodRef, normaliseMethodRef, type ResolvedMethodRef } from './plugins/method-ref.ts';
export { importModule, type ModuleRef, moduleRef } from './plugins/load-module.ts';
export { Registry } from './plugins/registry.ts';
export { validatePlugin } from './plugins/validate.ts';

// ---- Models ----------------------------------------------------------------------------------

export { type CodeModel, defineModel, toLoadedModel } from './models/define.ts';
export { fromLayersModel, type LayersAdapterOptions } from './models/layers.ts';
export { fromGraphModel, type GraphAdapterOptions } from './models/graph.ts';
export { memoryHandler, type ModelFiles, readModelFiles } from './io/model-files.ts';

// ---- Building blocks of attribution methods --------------------------------------------------

export {
  classScores,
  countClasses,
  inputGradient,
  resolveOutput,
  selectTargetScores,
  targetScores,
} from './attribution/scores.ts';
export {
  defaultTargetRule,
  describeTargetRule,
  parseTargetRule,
  resolveTargets,
  TargetRule,
} from './attribution/targets.ts';
export { applyConventions, ChannelReductionSchema, Conventions, resolveConventions } from './attribution/reduce.ts';
export {
  DEFAULT_CHUNK_BYTES,
  DEFAULT_MAX_BATCH_CAP,
  maxBatchOption,
  type PassChunk,
  repeatPasses,
  resolveMaxBatch,
  sumOverPasses,
  sumPasses,
} from './attribution/chunks.ts';
export { mixSeed, seedOrRandom, uniformSource } from './attribution/random.ts';
export { BaselineOption, type BaselineSettings, gaussianBlur, makeBaseline } from './attribution/baselines.ts';
export { maskedScores, requireImages } from './attribution/masks.ts';
export { type Quadrature, quadrature, QuadratureRule } from './attribution/quadrature.ts';

// ---- The pipeline: one method on a batch, or a whole run -------------------------------------

export { attribute, type AttributeOptions, type AttributeResult } from './pipeline/attribute.ts';
export { measure, type MeasureOptions, type MeasureResult } from './pipeline/measure.ts';
export { type PrepareContext, type PreparedMethod, prepareMethod } from './pipeline/methods.ts';
export { modelCapabilities } from './pipeline/capabilities.ts';
export { parsePluginOptions } from './pipeline/options.ts';
export {
  bindPlan,
  type OpenedRun,
  openRun,
  type PlannedMethod,
  type PlanOptions,
  type PlanRequest,
  type RunPlan,
} from './pipeline/plan.ts';
export {
  type ArrayData,
  type BatchData,
  type BatchResult,
  type BoundRun,
  computeBatch,
  computeMaps,
  type MethodResult,
} from './pipeline/batch.ts';
export { type BatchComputer, type BatchSink, computeBatches } from './pipeline/loop.ts';

// ---- Data and files --------------------------------------------------------------------------

export { disposeBatch, rowBatches, type RowReader, type RowSource } from './data/batches.ts';
export { toLabels } from './data/labels.ts';
export { encodeNpy, type NpyArray, type NpyData, parseNpy, toFloat32 } from './io/npy.ts';
export { type NpyFile, openNpy } from './io/npy-file.ts';
export { type IdxArray, readIdx } from './io/idx.ts';
export { decodeImageFile, encodePng, type RgbaImage } from './io/images.ts';
export { resolvePath } from './io/paths.ts';
export { writeFileAtomic } from './io/atomic.ts';
export { SafeId } from './io/safe-id.ts';
export { moduleUrl, packageRoot } from './io/module-url.ts';

// ---- Runs: configs, the runs directory, the runner -------------------------------------------

export {
  MethodConfig,
  type MethodConfigInput,
  newRunId,
  parseRunConfig,
  readRunConfig,
  RunConfig,
  type RunConfigInput,
  RunRequest,
  type RunRequestInput,
  uniqueMethodIds,
} from './runs/config.ts';
export {
  BATCH_FILES,
  batchDirName,
  BatchRecord,
  extraFile,
  Manifest,
  mapFile,
  MethodRecord,
  RunStatus,
  statFile,
} from './runs/manifest.ts';
export { RunStore, type RunSummary } from './runs/store.ts';
export { runAttributions, type RunOptions, type RunProgress, type RunResult } from './runs/runner.ts';

// ---- Building blocks of metrics (see docs/metrics.md) ----------------------------------------

export { featureSums, type FeatureView, featureView, relevanceRanks, replaceFeatures } from './metrics/features.ts';
export {
  explainChunked,
  normalSource,
  ScoreChoice,
  scorePasses,
  targetScore,
  trapezoidArea,
} from './metrics/scores.ts';
export { averageRanks, pearson, spearman, ssim } from './metrics/similarity.ts';
export { MetricBaseline, metricBaseline, perSampleUniform } from './metrics/baseline.ts';
export {
  baselineCurve,
  type BaselineCurveOptions,
  type CurveSpec,
  evenCounts,
  perturbationCurve,
  scoreLabel,
} from './metrics/curves.ts';
export {
  initialValue,
  layersTopDown,
  randomiseLayer,
  restoreWeights,
  saveWeights,
  writeWeights,
} from './metrics/randomise.ts';
export { type PlannedMetric, prepareMetricOptions } from './pipeline/metric-plan.ts';
export { type BoundMetric, type MetricResult } from './pipeline/metrics.ts';
export { metricRecord } from './runs/metric-records.ts';
export {
  bestMethod,
  failingSanity,
  meanInterval,
  type MetricSummary,
  SANITY_THRESHOLD,
  summariseMetric,
} from './runs/metric-summary.ts';
export { type EvaluateOptions, evaluateRun } from './runs/evaluate.ts';
export { MetricConfig, type MetricConfigInput } from './runs/config.ts';
export { curveFile, CurveRecord, metricFile, MetricRecord } from './runs/manifest.ts';

// ---- The command line, for commands added by other layers (the dashboard's serve/start) ------

export type { Command, CommandContext } from './cli/types.ts';
export { formatDuration } from './cli/progress.ts';
export { mergeRun, runShard, type ShardOptions, type ShardResult } from './runs/shard-runner.ts';
export { parseShard, shardRange, ShardRecord, type ShardSpec } from './runs/shard.ts';
export {
  type QueueRunOptions,
  type QueueWorker,
  type QueueWorkerOptions,
  runQueued,
  startQueueWorker,
} from './queue/lazy.ts';
export { type QueueJob, type QueueJobState, QueueStatus } from './runs/queue-status.ts';
export { FileStorage, type RunStorage } from './runs/storage.ts';
export {
  CODE_MARK,
  codeOption,
  PATH_ENDING_MARK,
  PATH_MARK,
  type PathKind,
  pathOption,
} from './plugins/option-marks.ts';
export { Workspace } from './workspace/workspace.ts';
export { type MarkedOption, markedOptions } from './workspace/marked-options.ts';
export { confineRun, type ConfineSettings, type RunPlugins } from './workspace/confine-run.ts';
export { checkBudget, evaluationsPerSample } from './runs/budget.ts';

// ---- Writing a computed batch into a run (the dashboard saves what-if edits as new batches) ---

export { writeBatchFiles } from './runs/run-writer.ts';
/** A run's plan as its manifest records it, for a process computing batches of a run it did not plan. */
export { planFromManifest } from './runs/plan-record.ts';
/** Whether a folder can be written to (a server's runs directory), checked before any work. */
export { assertDirCanBeWritten } from './io/writable.ts';
