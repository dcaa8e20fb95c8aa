import { hostname } from 'node:os';
import process from 'node:process';
import { describeTargetRule, type TargetRule } from '../attribution/targets.ts';
import type { BackendInfo } from '../engine/backend.ts';
import type { OpenedRun } from '../pipeline/plan.ts';
import type { RunConfig } from './config.ts';
import type { Manifest, MethodRecord } from './manifest.ts';
import { metricRecord } from './metric-records.ts';
import { versions } from './versions.ts';

/** The process writing a run, to tell a live run from a killed one. */
export function writerOf(): Manifest['writer'] {
  return { pid: process.pid, host: hostname() };
}

export function backendRecord(backend: BackendInfo): Manifest['backend'] {
  return { name: backend.name, package: backend.package, details: backend.details };
}

/** The manifest of a run about to start: the config, and everything its plan fixed. */
export function createManifest(id: string, config: RunConfig, opened: OpenedRun, backend: BackendInfo): Manifest {
  const { plan, model, dataset } = opened;
  const now = new Date().toISOString();
  const planned = dataset.size === undefined
    ? undefined
    : Math.ceil(Math.min(dataset.size, config.dataset.limit ?? Infinity) / config.dataset.batchSize);
  return {
    format: 'gradlens-run',
    version: 1,
    id,
    status: 'running',
    createdAt: now,
    updatedAt: now,
    writer: writerOf(),
    config: { ...config, id },
    baseDir: plan.baseDir,
    model: {
      plugin: plan.model.plugin,
      options: plan.model.options,
      inputShape: model.inputShape,
      outputs: model.outputs,
      output: plan.output,
      classNames: plan.classNames,
      numClasses: plan.numClasses,
      probabilities: plan.output.scores === 'post-softmax'
        ? "the head's own output (already a softmax)"
        : "softmax of the head's scores",
      details: model.describe(),
    },
    dataset: {
      plugin: plan.dataset.plugin,
      options: plan.dataset.options,
      batchSize: config.dataset.batchSize,
      limit: config.dataset.limit,
      size: dataset.size,
      sampleShape: plan.sampleShape,
      hasLabels: plan.hasLabels,
      extra: plan.extra,
      details: dataset.describe(),
    },
    target: { rule: describeTargetRule(plan.target), description: describeRule(plan.target) },
    methods: plan.methods.map((m, i): MethodRecord => {
      const plugin = opened.bound.methods[i].prepared.plugin;
      return {
        id: m.id,
        plugin: m.plugin,
        options: m.options,
        description: plugin.description,
        reference: plugin.reference,
        needs: m.needs,
        rawSigned: plugin.signed,
        signed: plugin.signed && !m.conventions.abs,
        conventions: m.conventions,
        mapShape: m.mapShape,
        perSample: [],
        cost: m.cost,
      };
    }),
    metrics: plan.metrics.map((m, i) => metricRecord(m, opened.bound.metrics![i].plugin)),
    backend: backendRecord(backend),
    versions: versions(),
    plannedBatches: planned,
    batches: [],
  };
}

function describeRule(rule: TargetRule): string {
  if (rule === 'label') return "each map explains the sample's true label";
  if (rule === 'predicted') return "each map explains the model's predicted class";
  return `each map explains class ${rule.class}`;
}
