/**
 * The page's calls to a run's what-if engine on the server (`POST /api/runs/:run/whatif`,
 * `.../edits`); the edit tools themselves are in edit-tools.ts.
 */
import { postJson } from './api.ts';
import { fromBase64, toBase64 } from './edit-tools.ts';

/** A map as the engine returns it: one sample, `shape` without N. */
export interface WhatIfMap {
  data: Float32Array;
  shape: number[];
}

export interface WhatIfResult {
  prediction: number;
  probabilities: number[];
  /** The class the maps explain. */
  target: number;
  /** The fast methods' maps, by method id. */
  maps: Record<string, WhatIfMap>;
  /** Methods left out (too slow to answer an edit at once), by id. */
  skipped: string[];
  /** Milliseconds the engine took. */
  ms: number;
}

interface WireResult extends Omit<WhatIfResult, 'maps'> {
  maps: Record<string, { data: string; shape: number[] }>;
}

function decode(r: WireResult): WhatIfResult {
  return {
    ...r,
    maps: Object.fromEntries(Object.entries(r.maps).map(([k, v]) => [k, { data: fromBase64(v.data), shape: v.shape }])),
  };
}

/** The fast methods' maps of a stored sample for class `target` ("why not this class?"). */
export async function explainClass(run: string, batch: number, sample: number, target: number): Promise<WhatIfResult> {
  return decode(await postJson<WireResult>(`/runs/${run}/whatif`, { batch, sample, target }));
}

/**
 * Starts the run's engine (loading its model) before the first edit, so that edit is answered at
 * once: the stored sample is computed and the answer dropped.
 */
export function warmEngine(run: string, batch: number, sample: number): void {
  postJson(`/runs/${run}/whatif`, { batch, sample }).catch(() => {});
}

/** Prediction, probabilities and fast maps of an edited input of a stored sample. */
export async function whatIf(
  run: string,
  batch: number,
  sample: number,
  input: Float32Array,
  target: number | null,
): Promise<WhatIfResult> {
  return decode(
    await postJson<WireResult>(`/runs/${run}/whatif`, {
      batch,
      sample,
      input: toBase64(input),
      ...(target === null ? {} : { target }),
    }),
  );
}

/** Saves an edited input as a new sample of the run: every method computed, written as a new batch. */
export function saveEdit(
  run: string,
  batch: number,
  sample: number,
  input: Float32Array,
): Promise<{ batch: number; id: string }> {
  return postJson(`/runs/${run}/edits`, { batch, sample, input: toBase64(input) });
}
