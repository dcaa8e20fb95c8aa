import { defaultTargetRule } from '../attribution/targets.ts';
import type { RunPlan } from '../pipeline/plan.ts';
import type { ScoreKind } from '../plugins/types.ts';
import type { Manifest } from './manifest.ts';

/**
 * The plan a manifest records, for a process that computes batches of a run it did not plan (a
 * queue worker): the same model, dataset, head, target rule and methods with their drawn seeds,
 * so its maps are those of the process that planned the run.
 */
export function planFromManifest(manifest: Manifest): RunPlan {
  const { model, dataset } = manifest;
  return {
    model: { plugin: model.plugin, options: model.options },
    dataset: { plugin: dataset.plugin, options: dataset.options },
    output: { ...model.output, scores: model.output.scores as ScoreKind },
    numClasses: model.numClasses,
    classNames: model.classNames,
    target: manifest.config.target ?? defaultTargetRule(dataset.hasLabels),
    hasLabels: dataset.hasLabels,
    sampleShape: dataset.sampleShape,
    extra: dataset.extra,
    methods: manifest.methods.map((m) => ({
      id: m.id,
      plugin: m.plugin,
      options: m.options,
      conventions: m.conventions,
      mapShape: m.mapShape as number[],
      needs: m.needs as RunPlan['methods'][number]['needs'],
      cost: m.cost,
    })),
    metrics: (manifest.metrics ?? []).map((m) => ({
      id: m.id,
      plugin: m.plugin,
      options: m.options,
      methods: m.methods,
    })),
    baseDir: manifest.baseDir,
  };
}
