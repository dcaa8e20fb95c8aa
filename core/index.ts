/**
 * gradlens: attribution maps for TensorFlow.js models. The public API.
 */
export { tf } from './tensor/tf.ts';
export { type BackendInfo, currentBackend, describeBackend, initBackend } from './engine/backend.ts';
export { GradlensError, isUserError } from './errors/errors.ts';
export * from './plugins/types.ts';
export { Registry } from './plugins/registry.ts';
export { type CodeModel, defineModel, toLoadedModel } from './models/define.ts';
export { fromLayersModel } from './models/layers.ts';
export { fromGraphModel } from './models/graph.ts';
export { classScores, inputGradient, resolveOutput, selectTargetScores, targetScores } from './attribution/scores.ts';
export { parseTargetRule, resolveTargets, TargetRule } from './attribution/targets.ts';
export { applyConventions, Conventions, resolveConventions } from './attribution/reduce.ts';
export { attribute, type AttributeOptions, type AttributeResult } from './pipeline/attribute.ts';
export { MethodRef } from './plugins/method-ref.ts';
export { type PreparedMethod, prepareMethod } from './pipeline/methods.ts';
export { modelCapabilities } from './pipeline/capabilities.ts';
export { type Capability, type ModelCapabilities, unmetNeeds } from './pipeline/needs.ts';
export { type OpenedRun, openRun, type PlannedMethod, type PlanRequest, type RunPlan } from './pipeline/plan.ts';
export { type BatchData, type BatchResult, computeBatch, computeMaps } from './pipeline/batch.ts';
export { disposeBatch, rowBatches } from './data/batches.ts';
export { encodeNpy, parseNpy } from './io/npy.ts';
export { openNpy } from './io/npy-file.ts';
export { readIdx } from './io/idx.ts';
export { decodeImageFile, encodePng } from './io/images.ts';
export { parseRunConfig, readRunConfig, RunConfig } from './runs/config.ts';
export { Manifest } from './runs/manifest.ts';
export { RunStore } from './runs/store.ts';
export { runAttributions, type RunOptions, type RunProgress } from './runs/runner.ts';
