/**
 * The loaded batch prepared once per batch for painting (planes, input pixels, sample facts).
 * With runs compared, the first run gives the inputs and rows; every run adds its method columns
 * and its own prediction per row.
 */
import { modelLabel } from './compare.ts';
import { type MethodPlanes, methodPlanes, type SampleInfo } from '../../render/batch.ts';
import { inputRgba, type Layout, layoutOf } from '../../render/layout.ts';
import type { LoadedBatch, Manifest, Samples } from './types.ts';

/** A method column: its planes and the run it belongs to. */
export interface Column extends MethodPlanes {
  run: string;
  /** Index of the run in `View.runs`. */
  runIndex: number;
  /** `method` alone for one run, `run:method` when runs are compared. */
  name: string;
}

/** One run shown: what labels its columns and rows. */
export interface RunPart {
  id: string;
  model: string;
  info: SampleInfo[];
  samples: Samples;
}

export interface View {
  run: string;
  batch: number;
  layout: Layout;
  methods: Column[];
  runs: RunPart[];
  inputs: Uint8ClampedArray[];
  /** Each sample's raw float input (shape `layout`'s sample shape), for what-if edits. */
  raw: Float32Array[];
  /** Raw `[T, F]` samples for series plots; null for images. */
  series: Float32Array[] | null;
  /** The first run's facts per sample. */
  info: SampleInfo[];
  samples: Samples;
}

function sampleInfo(samples: Samples): SampleInfo[] {
  return Array.from({ length: samples.size }, (_, i) => ({
    label: samples.labels?.[i] ?? null,
    prediction: samples.predictions[i],
    probabilities: samples.probabilities[i],
  }));
}

/** `parts[0]` is the shown run; the others (already checked to hold the same samples) go beside it. */
export function prepareView(parts: { manifest: Manifest; batch: LoadedBatch }[]): View {
  const [{ manifest, batch }] = parts;
  const layout = layoutOf(manifest.dataset.sampleShape);
  const n = batch.samples.size;
  const per = batch.inputs.data.length / n;
  const comparing = parts.length > 1;
  const methods = parts.flatMap(({ manifest: m, batch: b }, runIndex) =>
    m.methods
      .filter((x) => b.maps[x.id])
      .map((x): Column => ({
        ...methodPlanes(x.id, x.signed, b.maps[x.id], layout),
        run: m.id,
        runIndex,
        name: comparing ? `${m.id}:${x.id}` : x.id,
      }))
  );
  const runs = parts.map(({ manifest: m, batch: b }) => ({
    id: m.id,
    model: modelLabel(m),
    info: sampleInfo(b.samples),
    samples: b.samples,
  }));
  return {
    run: batch.run,
    batch: batch.index,
    layout,
    methods,
    runs,
    inputs: Array.from({ length: n }, (_, i) => inputRgba(batch.inputs.data, i, layout)),
    raw: Array.from({ length: n }, (_, i) => batch.inputs.data.subarray(i * per, (i + 1) * per)),
    series: layout.kind === 'series'
      ? Array.from({ length: n }, (_, i) => batch.inputs.data.subarray(i * per, (i + 1) * per))
      : null,
    info: runs[0].info,
    samples: batch.samples,
  };
}
