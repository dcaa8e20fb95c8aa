/**
 * A run's plan rebuilt from its manifest, for the what-if engine: the model, head, classes,
 * target rule and every method exactly as the run recorded them (seeds included), so an edit is
 * explained the way the run's own batches were.
 */
import type { Manifest, PlannedMethod, RunPlan, TargetRule } from '../../../core/index.ts';

/**
 * Methods an edit is answered with at once: those that declare a cost of a few model passes per
 * sample (gradients, Grad-CAM, gradient x input). Integrated gradients, SmoothGrad, occlusion and
 * other many-pass methods are computed only when an edit is saved.
 */
export const FAST_PASSES = 4;

export function isFast(method: Manifest['methods'][number]): boolean {
  return method.cost !== undefined && method.cost.forward + method.cost.backward <= FAST_PASSES;
}

export function planOfManifest(m: Manifest): RunPlan {
  const target: TargetRule = m.config.target ?? (m.dataset.hasLabels ? 'label' : 'predicted');
  return {
    model: { plugin: m.model.plugin, options: m.model.options },
    dataset: { plugin: m.dataset.plugin, options: m.dataset.options },
    output: {
      name: m.model.output.name,
      index: m.model.output.index,
      scores: m.model.output.scores as RunPlan['output']['scores'],
      note: m.model.output.note,
    },
    numClasses: m.model.numClasses,
    classNames: m.model.classNames,
    target,
    hasLabels: m.dataset.hasLabels,
    sampleShape: m.dataset.sampleShape,
    extra: m.dataset.extra,
    methods: m.methods.map((x): PlannedMethod => ({
      id: x.id,
      plugin: x.plugin,
      options: x.options,
      conventions: x.conventions,
      mapShape: x.mapShape.map((d) => d ?? 0),
      needs: x.needs as PlannedMethod['needs'],
      cost: x.cost,
    })),
    baseDir: m.baseDir,
  };
}
