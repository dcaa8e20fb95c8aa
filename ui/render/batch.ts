/**
 * A loaded batch turned into what the grid paints: one plane per sample and method, display
 * ranges per the normalisation setting, and the derived numbers rows are sorted by.
 */
import type { Layout } from './layout.ts';
import { mapPlane } from './layout.ts';
import { displayRange, type ValueRange } from './normalise.ts';
import { agreementMatrix, disagreement } from './spearman.ts';

export interface ArrayData {
  data: Float32Array;
  shape: number[];
}

export interface MethodPlanes {
  id: string;
  signed: boolean;
  /** One plane per sample, `rows x layout.width`. */
  planes: Float32Array[];
  rows: number;
}

export function methodPlanes(id: string, signed: boolean, map: ArrayData, layout: Layout): MethodPlanes {
  const n = map.shape[0];
  const mapShape = map.shape.slice(1);
  const planes: Float32Array[] = [];
  let rows = 0;
  for (let i = 0; i < n; i++) {
    const p = mapPlane(map.data, i, mapShape, layout, signed);
    planes.push(p.plane);
    rows = p.rows;
  }
  return { id, signed, planes, rows };
}

/** Display range of every sample's map: its own (`map`) or one shared by the column (`column`). */
export function ranges(m: MethodPlanes, norm: 'map' | 'column', clip: number): ValueRange[] {
  if (norm === 'map') return m.planes.map((p) => displayRange(p, m.signed, clip));
  const size = m.planes[0]?.length ?? 0;
  const all = new Float32Array(size * m.planes.length);
  m.planes.forEach((p, i) => all.set(p, i * size));
  const shared = displayRange(all, m.signed, clip);
  return m.planes.map(() => shared);
}

export interface SampleInfo {
  label: number | null;
  prediction: number;
  probabilities: number[];
}

/** Probability of the predicted class. */
export function confidence(s: SampleInfo): number {
  return s.probabilities[s.prediction] ?? NaN;
}

/** Cross-entropy of the true label, -ln p(label); NaN without labels. */
export function loss(s: SampleInfo): number {
  if (s.label === null) return NaN;
  return -Math.log(Math.max(1e-12, s.probabilities[s.label] ?? 0));
}

/** Per sample, Spearman correlations between every pair of methods' maps. */
export function agreements(methods: MethodPlanes[], sample: number): number[][] {
  return agreementMatrix(methods.map((m) => m.planes[sample]));
}

export type Filter =
  | { kind: 'all' }
  | { kind: 'correct' }
  | { kind: 'wrong' }
  | { kind: 'class'; index: number }
  | { kind: 'differ' };
/** `metric:ID:METHOD` sorts by a metric's per-sample value (see {@link visibleRows}'s `metricOf`). */
export type SortKey = 'index' | 'confidence' | 'loss' | 'disagreement' | `metric:${string}`;

const isCorrect = (s: SampleInfo) => s.label !== null && s.label === s.prediction;
const isWrong = (s: SampleInfo) => s.label !== null && s.label !== s.prediction;

/**
 * The rows to show, in order: samples passing the filter, sorted by the key (confidence
 * ascending puts the least sure first; loss and disagreement descending put the worst first).
 * With runs compared (`others`, each run's facts per sample), `correct` means correct in every
 * run, `wrong` wrong in any, `differ` that the runs predict differently; confidence sorts by the
 * least sure run and loss by the worst.
 */
export function visibleRows(
  samples: SampleInfo[],
  filter: Filter,
  sort: SortKey,
  disagreementOf: (i: number) => number,
  others: SampleInfo[][] = [],
  /** For `metric:` keys: the sample's value, oriented so that ascending puts the worst first. */
  metricOf: (i: number) => number = () => NaN,
): number[] {
  const all = (i: number) => [samples[i], ...others.map((o) => o[i])];
  const keep = samples.map((_, i) => i).filter((i) => {
    const s = samples[i];
    switch (filter.kind) {
      case 'all':
        return true;
      case 'correct':
        return all(i).every(isCorrect);
      case 'wrong':
        return all(i).some(isWrong);
      case 'class':
        return (s.label ?? s.prediction) === filter.index;
      case 'differ':
        return others.some((o) => o[i].prediction !== s.prediction);
    }
  });
  const worst = (values: number[], pick: (...v: number[]) => number) => {
    const finite = values.filter((v) => !Number.isNaN(v));
    return finite.length === 0 ? NaN : pick(...finite);
  };
  const key = (i: number): number => {
    switch (sort) {
      case 'index':
        return i;
      case 'confidence':
        return worst(all(i).map(confidence), Math.min);
      case 'loss':
        return -worst(all(i).map(loss), Math.max);
      case 'disagreement':
        return -disagreementOf(i);
      default:
        return metricOf(i);
    }
  };
  const keys = new Map(keep.map((i) => [i, key(i)]));
  const value = (i: number) => (Number.isNaN(keys.get(i)!) ? Infinity : keys.get(i)!);
  return keep.sort((a, b) => value(a) - value(b) || a - b);
}

export { disagreement };
