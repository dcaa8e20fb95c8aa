/**
 * Reads what the API serves from the run store, turning "not there" into 404s. Every run,
 * batch and method is looked up in the manifest before a file is touched, and every file is
 * resolved through RunStore.path/checkReal, so no request reaches outside the runs directory.
 */
import { existsSync } from 'node:fs';
import {
  BATCH_FILES,
  type BatchRecord,
  type Manifest,
  type MethodRecord,
  type RunStore,
  toFloat32,
} from '../../../core/index.ts';
import { HTTPException } from 'hono/http-exception';
import { notFound } from './errors.ts';

export function readManifest(store: RunStore, run: string): Manifest {
  const path = store.path(run, 'manifest.json');
  if (!existsSync(path)) throw notFound(`no run '${run}' in the runs directory`);
  try {
    store.checkReal(path);
  } catch {
    throw notFound(`no run '${run}' in the runs directory`);
  }
  const manifest = store.read(run);
  if (manifest.id !== run) throw notFound(`run directory '${run}' holds the manifest of '${manifest.id}'`);
  return manifest;
}

/** The record of a finished batch (its ids.json written last, so its files are complete). */
export function findBatch(store: RunStore, manifest: Manifest, batch: number): BatchRecord {
  const record = manifest.batches.find((b) => b.index === batch);
  if (!record || !existsSync(store.batchFile(manifest.id, batch, BATCH_FILES.ids))) {
    throw notFound(`run '${manifest.id}' has no batch ${batch} (it has ${manifest.batches.length})`);
  }
  return record;
}

export function findMethod(manifest: Manifest, method: string): MethodRecord {
  const record = manifest.methods.find((m) => m.id === method);
  if (!record) {
    throw notFound(
      `run '${manifest.id}' has no method '${method}'; it has ${manifest.methods.map((m) => m.id).join(', ')}`,
    );
  }
  return record;
}

/**
 * A batch file as float32 with its shape; 404 when absent or outside the directory. With
 * `expected` (null: any size), a file whose shape disagrees with the manifest, or that cannot be
 * read as an array, is a 500 saying the run is damaged, never served as if it were right.
 */
export function readFloat(
  store: RunStore,
  run: string,
  batch: number,
  file: string,
  expected?: readonly (number | null)[],
): { data: Float32Array; shape: number[] } {
  const path = store.batchFile(run, batch, file);
  if (!existsSync(path)) throw notFound(`run '${run}' batch ${batch} has no ${file}`);
  try {
    store.checkReal(path);
  } catch {
    throw notFound(`run '${run}' batch ${batch} has no ${file}`);
  }
  let array;
  try {
    array = store.readArray(run, batch, file);
  } catch (error) {
    throw damaged(
      `run '${run}' batch ${batch}: ${file} cannot be read (${(error as Error).message.split(': ').pop()})`,
    );
  }
  checkShape(run, batch, file, array.shape, expected);
  return { data: toFloat32(array.data), shape: array.shape };
}

/** An optional integer array (labels) of `size` values, as plain numbers. */
export function readInts(store: RunStore, run: string, batch: number, file: string, size?: number): number[] | null {
  if (!existsSync(store.batchFile(run, batch, file))) return null;
  return Array.from(readFloat(store, run, batch, file, size === undefined ? undefined : [size]).data);
}

/** Refuses (500, damaged) an array whose shape is not the one the manifest implies (`null`: any size). */
export function checkShape(
  run: string,
  batch: number,
  file: string,
  shape: readonly number[],
  expected?: readonly (number | null)[],
): void {
  if (!expected) return;
  if (shape.length === expected.length && expected.every((d, i) => d === null || d === shape[i])) return;
  throw damaged(
    `run '${run}' batch ${batch}: ${file} has shape [${shape.join(', ')}], the manifest says [${
      expected.map((d) => d ?? '?').join(', ')
    }]`,
  );
}

/** A 500 saying the run's files are damaged. */
export function damaged(message: string): HTTPException {
  return new HTTPException(500, { message: `${message}; the run's files are damaged: recompute it` });
}
