/** The loaded batch prepared once per batch for painting (planes, input pixels, sample facts). */
import { type MethodPlanes, methodPlanes, type SampleInfo } from './render/batch.ts';
import { inputRgba, type Layout, layoutOf } from './render/layout.ts';
import type { LoadedBatch, Manifest, Samples } from './types.ts';

export interface View {
  run: string;
  batch: number;
  layout: Layout;
  methods: MethodPlanes[];
  inputs: Uint8ClampedArray[];
  /** Raw `[T, F]` samples for series plots; null for images. */
  series: Float32Array[] | null;
  info: SampleInfo[];
  samples: Samples;
}

export function prepareView(manifest: Manifest, batch: LoadedBatch): View {
  const layout = layoutOf(manifest.dataset.sampleShape);
  const n = batch.samples.size;
  const per = batch.inputs.data.length / n;
  const methods = manifest.methods
    .filter((m) => batch.maps[m.id])
    .map((m) => methodPlanes(m.id, m.signed, batch.maps[m.id], layout));
  return {
    run: batch.run,
    batch: batch.index,
    layout,
    methods,
    inputs: Array.from({ length: n }, (_, i) => inputRgba(batch.inputs.data, i, layout)),
    series: layout.kind === 'series'
      ? Array.from({ length: n }, (_, i) => batch.inputs.data.subarray(i * per, (i + 1) * per))
      : null,
    info: Array.from({ length: n }, (_, i) => ({
      label: batch.samples.labels?.[i] ?? null,
      prediction: batch.samples.predictions[i],
      probabilities: batch.samples.probabilities[i],
    })),
    samples: batch.samples,
  };
}
