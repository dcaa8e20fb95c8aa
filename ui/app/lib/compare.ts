/**
 * Comparing runs side by side: which runs the URL asks for, whether a compared run's batch
 * holds the same samples as the shown run's, and how its columns are labelled. Pure functions,
 * shared by the page and its tests.
 */
import type { Manifest } from '../../../core/index.ts';

/** `?run=a&compare=b&compare=c` (or `compare=b,c`): the shown run and the runs beside it. */
export function parseRunQuery(search: string): { run: string | null; compare: string[] } {
  const q = new URLSearchParams(search);
  const run = q.get('run') || null;
  const compare = q.getAll('compare').flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return { run, compare: [...new Set(compare)].filter((id) => id !== run) };
}

/** The query string for a run and its comparisons, keeping every other parameter (the token). */
export function runQuery(search: string, run: string | null, compare: string[]): string {
  const q = new URLSearchParams(search);
  q.delete('run');
  q.delete('compare');
  if (run) q.set('run', run);
  if (compare.length > 0) q.set('compare', compare.join(','));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** What the check needs of one run's batch. */
export interface BatchKey {
  run: string;
  ids: string[];
  inputsShape: number[];
}

/**
 * Why `other`'s batch cannot be shown beside `base`'s, or null when it can: both must hold the
 * same sample ids in the same order, with inputs of the same shape.
 */
export function batchMismatch(base: BatchKey, other: BatchKey, batch: number): string | null {
  const same = 'compared runs must read the same samples in the same order and batch size';
  const shape = (s: number[]) => `[${s.join(', ')}]`;
  if (other.ids.length !== base.ids.length) {
    return `batch ${
      batch + 1
    } of '${other.run}' has ${other.ids.length} samples, '${base.run}' has ${base.ids.length}; ${same}`;
  }
  const row = base.ids.findIndex((id, i) => id !== other.ids[i]);
  if (row >= 0) {
    return `batch ${batch + 1} of '${other.run}' holds other samples than '${base.run}' (row ${row}: '${
      other.ids[row]
    }' vs '${base.ids[row]}'); ${same}`;
  }
  if (shape(other.inputsShape) !== shape(base.inputsShape)) {
    return `inputs of '${other.run}' are ${shape(other.inputsShape)}, those of '${base.run}' ${
      shape(base.inputsShape)
    }; compared runs must explain the same inputs`;
  }
  return null;
}

/** Why a compared run cannot be shown at all (other input shape), or null. */
export function manifestMismatch(base: Manifest, other: Manifest): string | null {
  const a = base.dataset.sampleShape.join(', ');
  const b = other.dataset.sampleShape.join(', ');
  if (a === b) return null;
  return `'${other.id}' has samples of shape [${b}], '${base.id}' of [${a}]; compared runs must explain the same inputs`;
}

/** `a/b/../c` -> `a/c` (paths as the manifest gives them, either separator). */
function normalise(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split(/[\\/]/)) {
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (part && part !== '.') out.push(part);
  }
  return out;
}

/**
 * A short name of the run's model for column heads: the plugin, the last two folders of its
 * path (resolved against the run's base directory, without a file name `model.json`) and the
 * explained head when the model has several.
 */
export function modelLabel(m: Manifest): string {
  const path = m.model.options.path;
  let file = '';
  if (typeof path === 'string') {
    const full = /^([\\/]|[A-Za-z]:)/.test(path) ? path : `${m.baseDir}/${path}`;
    const parts = normalise(full);
    if (parts.length > 1 && parts[parts.length - 1] === 'model.json') parts.pop();
    file = parts.slice(-2).join('/');
  }
  const head = m.model.outputs.length > 1 ? ` → ${m.model.output.name}` : '';
  return `${m.model.plugin}${file ? ` ${file}` : ''}${head}`;
}
